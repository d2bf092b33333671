package org.cvmfsstargz.snapshotter.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.Usage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link MetaStore} must do; extend it once per implementation. Shipped in the
 * snapshotter's test-jar.
 */
public abstract class MetaStoreContract {
    protected static final Instant T0 = Instant.parse("2026-01-02T03:04:05.678901Z");

    @TempDir
    protected Path dir;

    protected MetaStore store;

    /** Opens (or reopens) the store kept under {@code dir}. */
    protected abstract MetaStore open(Path dir);

    @BeforeEach
    void openStore() {
        store = open(dir);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private Optional<SnapshotRecord> find(String key) {
        return store.read(tx -> tx.find(key));
    }

    @Test
    void opaqueKeysRoundTripExactly() {
        List<String> keys = List.of("/tmp/abs/path", "k8s.io/42/extract-1 sha256:abc", "ünï cödé ✓", "a'b\"c;--");
        for (String key : keys) {
            store.write(tx -> tx.insert(key, Kind.ACTIVE, Optional.empty(), Map.of(), T0));
        }
        for (String key : keys) {
            assertThat(find(key)).get().extracting(SnapshotRecord::key).isEqualTo(key);
        }
    }

    @Test
    void idsAreNeverReusedAfterADelete() {
        long first = store.write(tx -> tx.insert("a", Kind.ACTIVE, Optional.empty(), Map.of(), T0)).id();
        store.write(tx -> {
            tx.delete(first);
            return null;
        });
        long second = store.write(tx -> tx.insert("a", Kind.ACTIVE, Optional.empty(), Map.of(), T0)).id();
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void commitRenamesKeepsTheIdAndChildrenFollow() {
        SnapshotRecord base = store.write(tx -> tx.insert("k", Kind.ACTIVE, Optional.empty(), Map.of("a", "1"), T0));
        SnapshotRecord committed = store.write(tx -> tx.commit(base.id(), "c", Optional.empty(), Map.of("b", "2"),
                new Usage(4096, 1), T0.plusSeconds(1)));
        assertThat(committed.id()).isEqualTo(base.id());
        assertThat(committed.info().kind()).isEqualTo(Kind.COMMITTED);
        assertThat(committed.info().labels()).containsOnly(Map.entry("b", "2"));
        assertThat(committed.info().created()).isEqualTo(committed.info().updated()).isEqualTo(T0.plusSeconds(1));
        assertThat(committed.usage()).contains(new Usage(4096, 1));
        SnapshotRecord child = store.write(tx -> tx.insert("child", Kind.VIEW, Optional.of(base.id()), Map.of(), T0));
        assertThat(child.info().parent()).isEqualTo("c");
        boolean hasChildren = store.read(tx -> tx.hasChildren(base.id()));
        assertThat(hasChildren).isTrue();
        List<Long> ancestors = store.read(tx -> tx.ancestors(child.id())).stream().map(SnapshotRecord::id).toList();
        assertThat(ancestors).containsExactly(base.id());
    }

    @Test
    void ancestorsAreNearestFirst() {
        long a = store.write(tx -> tx.insert("a", Kind.COMMITTED, Optional.empty(), Map.of(), T0)).id();
        long b = store.write(tx -> tx.insert("b", Kind.COMMITTED, Optional.of(a), Map.of(), T0)).id();
        long c = store.write(tx -> tx.insert("c", Kind.ACTIVE, Optional.of(b), Map.of(), T0)).id();
        List<SnapshotRecord> ancestors = store.read(tx -> tx.ancestors(c));
        assertThat(ancestors).extracting(SnapshotRecord::id).containsExactly(b, a);
        assertThat(ancestors).extracting(r -> r.info().name()).containsExactly("b", "a");
    }

    @Test
    void aBodyThatThrowsLeavesNoTrace() {
        assertThatThrownBy(() -> store.write(tx -> {
            tx.insert("gone", Kind.ACTIVE, Optional.empty(), Map.of("x", "y"), T0);
            throw new IllegalStateException("abort");
        })).hasMessage("abort");
        assertThat(find("gone")).isEmpty();
    }

    @Test
    void aReadTransactionRefusesWrites() {
        assertThatThrownBy(() -> store.read(tx -> tx.insert("x", Kind.ACTIVE, Optional.empty(), Map.of(), T0)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void emptyLabelValuesAreNotStored() {
        SnapshotRecord r = store.write(tx -> tx.insert("k", Kind.ACTIVE, Optional.empty(), Map.of("a", "", "b", "1"), T0));
        assertThat(r.info().labels()).containsOnly(Map.entry("b", "1"));
    }

    @Test
    void everythingSurvivesAReopen() {
        store.write(tx -> tx.insert("k", Kind.ACTIVE, Optional.empty(), Map.of("a", "1"), T0));
        store.close();
        store = open(dir);
        SnapshotRecord r = store.read(tx -> tx.find("k")).orElseThrow();
        assertThat(r.info().labels()).containsOnly(Map.entry("a", "1"));
        assertThat(r.info().created()).isEqualTo(T0);
        java.util.Set<Long> ids = store.read(Tx::ids);
        assertThat(ids).containsExactly(r.id());
    }

    @Test
    void aProvenanceIsKeptApartFromTheLabelsSurvivesTheirReplacementAndAReopen() {
        SnapshotRecord active = store.write(tx -> tx.insert("k", Kind.ACTIVE, Optional.empty(), Map.of(), T0));
        assertThat(active.provenance()).isEmpty();
        Provenance provenance = new Provenance("estargz", Map.of("layer", "sha256:aa"));
        SnapshotRecord committed = store.write(tx -> {
            SnapshotRecord c = tx.commit(active.id(), "c", Optional.empty(), Map.of("layer", "sha256:aa"),
                    Usage.ZERO, T0);
            return tx.recordProvenance(c.id(), provenance);
        });
        assertThat(committed.provenance()).contains(provenance);

        store.write(tx -> tx.updateLabels(committed.id(), Map.of(), T0.plusSeconds(1)));
        store.close();
        store = open(dir);

        SnapshotRecord reread = find("c").orElseThrow();
        assertThat(reread.info().labels()).isEmpty();
        assertThat(reread.provenance()).contains(provenance);
        store.write(tx -> {
            tx.delete(reread.id());
            return null;
        });
        assertThat(find("c")).isEmpty();
    }
}
