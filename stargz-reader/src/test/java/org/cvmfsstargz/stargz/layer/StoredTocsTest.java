package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.stargz.cache.DiskTocStore;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoredTocsTest {
    private static final TestBlob.Built BUILT = TestLayers.of(30);
    private static final Digest LAYER = Digest.sha256(BUILT.blob());
    private static final Digest OTHER = Digest.sha256(new byte[] {7});

    @TempDir
    Path tmp;

    private final TocFetcher fetcher = new TocFetcher(new TocReader(TocLimits.defaults()));
    private final MemoryBlob blob = new MemoryBlob(BUILT.blob());
    private final AtomicInteger fetches = new AtomicInteger();
    private DiskTocStore store;
    private StoredTocs tocs;

    @BeforeEach
    void open() throws IOException {
        store = DiskTocStore.open(tmp.resolve("cache"));
        tocs = new StoredTocs(store, fetcher);
    }

    /** What the daemon does without a stored TOC: reads the blob's tail and TOC, and verifies it. */
    private LayerIndex fetch() throws IOException, CorruptLayerException {
        fetches.incrementAndGet();
        byte[] tail = TocFetcher.readExactly(blob, new org.cvmfsstargz.stargz.registry.ByteRange(
                blob.size() - Math.min(blob.size(), TocFetcher.TAIL_BYTES), (int) Math.min(blob.size(),
                TocFetcher.TAIL_BYTES)), FetchListener.NONE);
        TocBytes bytes = fetcher.fetchBytes(new OpenedBlob(blob, tail), FetchListener.NONE);
        return new LayerIndex(bytes, fetcher.parse(bytes, Optional.of(BUILT.tocDigest())), false);
    }

    private LayerIndex index(Optional<Digest> tocDigest) throws IOException, CorruptLayerException {
        return tocs.index(LAYER, tocDigest, size -> {
            assertThat(size).isEqualTo(BUILT.blob().length);
            return blob;
        }, this::fetch);
    }

    @Test
    void aFetchedTocIsStoredAndTheNextMountReadsItWithoutARequest() throws Exception {
        LayerIndex first = index(Optional.of(BUILT.tocDigest()));
        int requests = blob.requests().size();
        blob.fail(true); // the registry is unreachable now

        LayerIndex second = index(Optional.of(BUILT.tocDigest()));

        assertThat(fetches.get()).isEqualTo(1);
        assertThat(blob.requests()).hasSize(requests);
        assertThat(second.toc().digest()).isEqualTo(first.toc().digest()).isEqualTo(BUILT.tocDigest());
        assertThat(second.toc().nameCount()).isEqualTo(first.toc().nameCount());
        assertThat(second.blob().size()).isEqualTo(BUILT.blob().length);
    }

    @Test
    void aStoredTocThatNoLongerVerifiesIsDeletedAndFetchedAgainThenStoredWhole() throws Exception {
        byte[] section = BUILT.tocSection();
        section[section.length / 2] ^= 0x01; // rewritten with a matching checksum: only the TOC digest can tell
        store.put(LAYER, new DiskTocStore.StoredToc(BUILT.blob().length, BUILT.footer(), BUILT.tocDigest(), section));

        LayerIndex index = index(Optional.of(BUILT.tocDigest()));

        assertThat(fetches.get()).isEqualTo(1);
        assertThat(index.toc().digest()).isEqualTo(BUILT.tocDigest());
        assertThat(store.get(LAYER).orElseThrow().section()).isEqualTo(BUILT.tocSection());
    }

    @Test
    void aStoredTocIsNotServedToAMountThatExpectsAnotherTocDigest() throws Exception {
        index(Optional.of(BUILT.tocDigest()));
        Digest other = Digest.sha256(new byte[] {9});

        assertThatThrownBy(() -> tocs.index(LAYER, Optional.of(other), size -> blob, () -> {
            throw new IOException("fetched (test)");
        })).isInstanceOf(IOException.class).hasMessage("fetched (test)");
        assertThat(store.contains(LAYER)).as("deleted, since it failed verification").isFalse();
    }

    @Test
    void withVerificationOffAStoredTocIsCheckedAgainstTheDigestItWasKeptWith() throws Exception {
        index(Optional.empty());
        byte[] section = BUILT.tocSection();
        section[section.length / 2] ^= 0x01;
        store.put(LAYER, new DiskTocStore.StoredToc(BUILT.blob().length, BUILT.footer(), BUILT.tocDigest(), section));

        LayerIndex index = index(Optional.empty());

        assertThat(fetches.get()).isEqualTo(2);
        assertThat(index.toc().digest()).isEqualTo(BUILT.tocDigest());
    }

    @Test
    void keepOnlyDeletesTheTocsOfLayersNoSnapshotUses() throws Exception {
        index(Optional.of(BUILT.tocDigest()));
        store.put(OTHER, store.get(LAYER).orElseThrow());

        tocs.keepOnly(Set.of(LAYER));

        assertThat(store.layers()).containsExactly(LAYER);
        tocs.forget(LAYER);
        assertThat(tocs.holds(LAYER)).isFalse();
    }
}
