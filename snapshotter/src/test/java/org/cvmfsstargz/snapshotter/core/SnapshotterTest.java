package org.cvmfsstargz.snapshotter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.SqliteMetaStore;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotterTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00.123456789Z");

    @TempDir
    Path root;

    private SqliteMetaStore store;
    private Snapshotter snapshotter;
    private final List<LayerRequest> offered = new ArrayList<>();

    private Snapshotter open(LayerSource... sources) {
        store = SqliteMetaStore.open(root.resolve("metadata.db"));
        SnapshotDirectories dirs = new SnapshotDirectories(root, new MountTable(root.resolve("no-mounts")));
        writeEmptyMountTable();
        snapshotter = new Snapshotter(store, dirs, new OverlayMounts(false), new LayerSourceChain(List.of(sources)),
                Clock.fixed(T0, ZoneOffset.UTC));
        return snapshotter;
    }

    private void writeEmptyMountTable() {
        try {
            Files.writeString(root.resolve("no-mounts"), "");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterEach
    void close() {
        if (snapshotter != null) {
            snapshotter.close();
            store.close();
        }
    }

    /** A source that claims every layer and writes a marker file into the snapshot's fs. */
    private LayerSource claimingSource() {
        return new LayerSource() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public LayerClaim claim(LayerRequest request) throws Exception {
                offered.add(request);
                Files.writeString(request.snapshotDir().resolve("fs").resolve("provided"), request.target());
                return new LayerClaim.Remote("test", Map.of("test/where", "here"));
            }
        };
    }

    private LayerSource decliningSource() {
        return new LayerSource() {
            @Override
            public String name() {
                return "declining";
            }

            @Override
            public LayerClaim claim(LayerRequest request) {
                offered.add(request);
                return new LayerClaim.NotMine("not published");
            }
        };
    }

    @Test
    void aPreparedSnapshotWithoutParentIsABindMountOfItsOwnDirectory() {
        List<Mount> mounts = open().prepare("k", "", Map.of());
        assertThat(mounts).singleElement().satisfies(m -> {
            assertThat(m.type()).isEqualTo("bind");
            assertThat(m.source()).startsWith(root.resolve("snapshots").toString()).endsWith("/fs");
            assertThat(m.options()).containsExactly("rw", "rbind");
            assertThat(Path.of(m.source())).isDirectory();
        });
    }

    @Test
    void timestampsAreTruncatedToMicrosecondsAndEqualAtCreation() {
        open().prepare("k", "", Map.of());
        SnapshotInfo info = snapshotter.queries().stat("k");
        assertThat(info.created()).isEqualTo(Instant.parse("2026-11-23T10:00:00.123456Z")).isEqualTo(info.updated());
    }

    @Test
    void commitKeepsTheDirectoryReplacesLabelsAndFreesTheKey() throws Exception {
        open();
        Path fs = Path.of(snapshotter.prepare("k", "", Map.of("a", "1")).getFirst().source());
        Files.writeString(fs.resolve("file"), "x".repeat(10_000));
        SnapshotInfo committed = snapshotter.commit("c", "k", Map.of("b", "2"), Optional.empty());
        assertThat(committed.kind()).isEqualTo(Kind.COMMITTED);
        assertThat(committed.labels()).containsExactly(Map.entry("b", "2"));
        assertThatThrownBy(() -> snapshotter.queries().stat("k")).isInstanceOf(SnapshotException.NotFound.class);
        assertThat(snapshotter.queries().usage("c").size()).isGreaterThanOrEqualTo(10_000);
        assertThat(snapshotter.queries().usage("c").inodes()).isEqualTo(2);
        List<Mount> child = snapshotter.prepare("child", "c", Map.of());
        assertThat(child.getFirst().options()).contains("lowerdir=" + fs);
    }

    @Test
    void errorsFollowContainerdsOverlaySnapshotter() {
        open().prepare("a", "", Map.of());
        assertThatThrownBy(() -> snapshotter.prepare("a", "", Map.of())).isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThatThrownBy(() -> snapshotter.view("v", "missing", Map.of())).isInstanceOf(SnapshotException.NotFound.class);
        assertThatThrownBy(() -> snapshotter.prepare("b", "a", Map.of())).isInstanceOf(SnapshotException.InvalidArgument.class);
        assertThatThrownBy(() -> snapshotter.commit("x", "missing", Map.of(), Optional.empty()))
                .isInstanceOf(SnapshotException.NotFound.class);
        snapshotter.commit("c", "a", Map.of(), Optional.empty());
        assertThatThrownBy(() -> snapshotter.queries().mounts("c")).isInstanceOf(SnapshotException.FailedPrecondition.class);
        snapshotter.view("v", "c", Map.of());
        assertThatThrownBy(() -> snapshotter.commit("c2", "v", Map.of(), Optional.empty()))
                .isInstanceOf(SnapshotException.FailedPrecondition.class);
        snapshotter.prepare("d", "", Map.of());
        assertThatThrownBy(() -> snapshotter.commit("c", "d", Map.of(), Optional.empty()))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThatThrownBy(() -> snapshotter.remove("c"))
                .isInstanceOf(SnapshotException.FailedPrecondition.class)
                .hasMessageContaining("remove");
    }

    @Test
    void updateSetsAndDeletesSingleLabelsAndRejectsOtherFields() {
        open().prepare("k", "", Map.of("l1", "a", "l2", "b", "l3", "c"));
        SnapshotInfo info = snapshotter.update("k", Map.of("l1", "new", "l4", "ignored"), List.of("labels.l1", "labels.l2"));
        assertThat(info.labels()).containsOnly(Map.entry("l1", "new"), Map.entry("l3", "c"));
        assertThat(snapshotter.update("k", Map.of("x", "y"), List.of()).labels()).containsOnly(Map.entry("x", "y"));
        assertThatThrownBy(() -> snapshotter.update("k", Map.of(), List.of("parent")))
                .isInstanceOf(SnapshotException.InvalidArgument.class);
    }

    @Test
    void commitWithTheSameParentIsAcceptedAndWithAnotherParentIsInvalid() {
        open().prepare("base", "", Map.of());
        snapshotter.commit("b", "base", Map.of(), Optional.empty());
        snapshotter.prepare("other", "", Map.of());
        snapshotter.commit("o", "other", Map.of(), Optional.empty());
        snapshotter.prepare("k", "b", Map.of());
        assertThatThrownBy(() -> snapshotter.commit("c", "k", Map.of(), Optional.of("o")))
                .isInstanceOf(SnapshotException.InvalidArgument.class);
        assertThat(snapshotter.commit("c", "k", Map.of(), Optional.of("b")).parent()).isEqualTo("b");
    }

    @Test
    void aClaimedLayerBecomesACommittedRemoteSnapshotAndPrepareAnswersAlreadyExists() {
        open(claimingSource());
        Map<String, String> labels = Map.of(RemoteLabels.TARGET, "sha256:chain1", "containerd.io/snapshot/x", "y");
        assertThatThrownBy(() -> snapshotter.prepare("ns/1/extract-1 sha256:chain1", "", labels))
                .isInstanceOf(SnapshotException.AlreadyExists.class)
                .hasMessageContaining("sha256:chain1");
        SnapshotInfo remote = snapshotter.queries().stat("sha256:chain1");
        assertThat(remote.kind()).isEqualTo(Kind.COMMITTED);
        assertThat(remote.parent()).isEmpty();
        assertThat(remote.labels()).containsEntry(RemoteLabels.TARGET, "sha256:chain1")
                .containsEntry("containerd.io/snapshot/x", "y")
                .containsEntry("test/where", "here")
                .containsKey(RemoteLabels.REMOTE);
        assertThatThrownBy(() -> snapshotter.queries().stat("ns/1/extract-1 sha256:chain1"))
                .isInstanceOf(SnapshotException.NotFound.class);
        List<String> found = new ArrayList<>();
        snapshotter.queries().list(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:chain1,parent==\"\""),
                i -> found.add(i.name()));
        assertThat(found).containsExactly("sha256:chain1");

        // The child layer stacks on the remote one, whose content the source provided.
        assertThatThrownBy(() -> snapshotter.prepare("ns/2/extract-2 sha256:chain2", "sha256:chain1",
                Map.of(RemoteLabels.TARGET, "sha256:chain2"))).isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThat(snapshotter.queries().stat("sha256:chain2").parent()).isEqualTo("sha256:chain1");
        List<Mount> container = snapshotter.prepare("container", "sha256:chain2", Map.of());
        String lower = container.getFirst().options().getLast();
        assertThat(Path.of(lower.substring("lowerdir=".length()).split(":")[1]).resolve("provided"))
                .hasContent("sha256:chain1");
    }

    @Test
    void aSecondPrepareOfAnExistingRemoteTargetAnswersAlreadyExistsWithoutAskingSources() {
        open(claimingSource());
        Map<String, String> labels = Map.of(RemoteLabels.TARGET, "sha256:t");
        assertThatThrownBy(() -> snapshotter.prepare("ns1/1/extract", "", labels))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThatThrownBy(() -> snapshotter.prepare("ns2/1/extract", "", labels))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
        assertThat(offered).hasSize(1);
        assertThatThrownBy(() -> snapshotter.queries().stat("ns2/1/extract")).isInstanceOf(SnapshotException.NotFound.class);
    }

    @Test
    void aLayerNoSourceClaimsIsAnOrdinaryActiveSnapshot() {
        open(decliningSource());
        List<Mount> mounts = snapshotter.prepare("extract", "", Map.of(RemoteLabels.TARGET, "sha256:t"));
        assertThat(mounts).singleElement().extracting(Mount::type).isEqualTo("bind");
        assertThat(offered).singleElement().extracting(LayerRequest::target).isEqualTo("sha256:t");
        assertThat(snapshotter.queries().stat("extract").kind()).isEqualTo(Kind.ACTIVE);
    }

    @Test
    void aRemoteLayerWithWhiteoutAndOpaqueDirectoriesStacksThemAroundItsContent() throws Exception {
        LayerSource stacking = new LayerSource() {
            @Override
            public String name() {
                return "stacking";
            }

            @Override
            public LayerClaim claim(LayerRequest request) throws Exception {
                Files.createDirectory(request.snapshotDir().resolve(SnapshotDirectories.ABOVE));
                Files.createDirectory(request.snapshotDir().resolve(SnapshotDirectories.BELOW));
                return new LayerClaim.Remote("stacking", Map.of());
            }
        };
        open(stacking);
        assertThatThrownBy(() -> snapshotter.prepare("extract", "", Map.of(RemoteLabels.TARGET, "sha256:base")))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
        // A local layer on the remote one: containerd's unpack of a layer no source provides.
        snapshotter.prepare("upper", "sha256:base", Map.of());
        List<Mount> child = snapshotter.queries().mounts("upper");
        String lowerdir = child.getFirst().options().getLast();
        Path base = root.resolve("snapshots").resolve(Long.toString(idOf("sha256:base")));
        assertThat(lowerdir).isEqualTo("lowerdir=" + base.resolve(SnapshotDirectories.ABOVE) + ":" + base.resolve("fs") + ":"
                + base.resolve(SnapshotDirectories.BELOW));
        // A view of that single remote parent has three lower directories: an overlay, not a bind.
        assertThat(snapshotter.view("view", "sha256:base", Map.of())).singleElement()
                .satisfies(m -> assertThat(m.type()).isEqualTo("overlay"));
    }

    private long idOf(String name) {
        return store.read(tx -> tx.find(name)).orElseThrow().id();
    }

    @Test
    void removedSnapshotsLeaveNoDirectoryAfterCleanup() throws Exception {
        open().prepare("k", "", Map.of());
        snapshotter.remove("k");
        snapshotter.cleanup();
        try (var entries = Files.list(root.resolve("snapshots"))) {
            assertThat(entries).isEmpty();
        }
    }
}
