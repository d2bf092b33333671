package org.cvmfsstargz.snapshotter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.SqliteMetaStore;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The core's part in the life of remote snapshots whose content lives in the daemon (FUSE mounts). */
class RemoteSnapshotLifecycleTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");

    @TempDir
    Path root;

    private SqliteMetaStore store;
    private Snapshotter snapshotter;
    private final MountedSource mounted = new MountedSource("mounted");

    /** Claims every layer; records what the core asks of it; healthy until told otherwise. */
    private static class MountedSource implements LayerSource {
        private final String name;
        final List<RemoteSnapshot> restored = new CopyOnWriteArrayList<>();
        final List<RemoteSnapshot> released = new CopyOnWriteArrayList<>();
        volatile boolean healthy = true;
        volatile int restoreCalls;

        MountedSource(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public LayerClaim claim(LayerRequest request) {
            return new LayerClaim.Remote(name, Map.of("mounted/layer", request.target()));
        }

        @Override
        public void restore(List<RemoteSnapshot> snapshots) {
            restoreCalls++;
            restored.addAll(snapshots);
        }

        @Override
        public boolean healthy(RemoteSnapshot snapshot) {
            return healthy;
        }

        @Override
        public void release(RemoteSnapshot snapshot) {
            released.add(snapshot);
        }
    }

    private Snapshotter open(LayerSource... sources) throws Exception {
        if (snapshotter != null) {
            snapshotter.close();
            store.close();
        }
        Files.writeString(root.resolve("no-mounts"), "");
        store = SqliteMetaStore.open(root.resolve("metadata.db"));
        snapshotter = new Snapshotter(store, new SnapshotDirectories(root, new MountTable(root.resolve("no-mounts"))),
                new OverlayMounts(false), new LayerSourceChain(List.of(sources)), Clock.fixed(T0, ZoneOffset.UTC));
        return snapshotter;
    }

    @AfterEach
    void close() {
        if (snapshotter != null) {
            snapshotter.close();
            store.close();
        }
    }

    /** Pulls one remote layer named {@code chain} the way containerd's unpack does. */
    private void provide(String chain) {
        assertThatThrownBy(() -> snapshotter.prepare("extract-" + chain, "", Map.of(RemoteLabels.TARGET, chain)))
                .isInstanceOf(SnapshotException.AlreadyExists.class);
    }

    @Test
    void aChildOfALayerWhoseContentIsNotReadableCannotBeMounted() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.prepare("container", "sha256:base", Map.of());
        mounted.healthy = false;
        assertThatThrownBy(() -> snapshotter.queries().mounts("container"))
                .isInstanceOf(SnapshotException.Unavailable.class)
                .hasMessageContaining("sha256:base").hasMessageContaining("mounted");
        assertThatThrownBy(() -> snapshotter.view("view", "sha256:base", Map.of()))
                .isInstanceOf(SnapshotException.Unavailable.class);
        assertThatThrownBy(() -> snapshotter.queries().stat("view")).isInstanceOf(SnapshotException.NotFound.class);
        mounted.healthy = true;
        assertThat(snapshotter.queries().mounts("container")).hasSize(1);
        assertThat(snapshotter.view("view", "sha256:base", Map.of())).hasSize(1);
    }

    @Test
    void removingARemoteSnapshotReleasesItsContentAndAnOrdinaryOneDoesNot() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.prepare("ordinary", "", Map.of());
        snapshotter.remove("ordinary");
        assertThat(mounted.released).isEmpty();
        long id = store.read(tx -> tx.find("sha256:base")).orElseThrow().id();
        snapshotter.remove("sha256:base");
        assertThat(mounted.released).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("sha256:base");
            assertThat(r.snapshotDir()).isEqualTo(root.resolve("snapshots").resolve(Long.toString(id)));
            assertThat(r.labels()).containsEntry("mounted/layer", "sha256:base");
        });
    }

    @Test
    void restartHandsEachSourceItsOwnSnapshotsOnce() throws Exception {
        MountedSource other = new MountedSource("other");
        open(mounted);
        provide("sha256:a");
        open(other);
        provide("sha256:b");
        snapshotter.prepare("plain", "", Map.of());

        MountedSource mountedAgain = new MountedSource("mounted");
        MountedSource otherAgain = new MountedSource("other");
        open(mountedAgain, otherAgain);
        assertThat(snapshotter.restoreRemoteSnapshots()).isEqualTo(2);
        assertThat(mountedAgain.restoreCalls).isEqualTo(1);
        assertThat(mountedAgain.restored).extracting(RemoteSnapshot::name).containsExactly("sha256:a");
        assertThat(otherAgain.restored).extracting(RemoteSnapshot::name).containsExactly("sha256:b");
    }

    @Test
    void aLayerOfASourceNoLongerConfiguredMakesItsChildrenUnavailable() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.prepare("container", "sha256:base", Map.of());
        MountedSource unrelated = new MountedSource("unrelated");
        open(unrelated);
        snapshotter.restoreRemoteSnapshots();
        assertThat(unrelated.restoreCalls).isEqualTo(1);
        assertThat(unrelated.restored).isEmpty();
        assertThatThrownBy(() -> snapshotter.queries().mounts("container"))
                .isInstanceOf(SnapshotException.Unavailable.class).hasMessageContaining("not configured");
    }

    @Test
    void aClaimThatLosesTheRaceToCommitReleasesWhatItMade() throws Exception {
        MountedSource racing = new MountedSource("mounted") {
            @Override
            public LayerClaim claim(LayerRequest request) {
                // Another pull commits the same target while this source works.
                snapshotter.prepare("other-pull", "", Map.of());
                snapshotter.commit(request.target(), "other-pull", Map.of(), java.util.Optional.empty());
                return super.claim(request);
            }
        };
        open(racing);

        provide("sha256:base");

        assertThat(racing.released).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("sha256:base");
            assertThat(r.source()).isEqualTo("mounted");
        });
        assertThatThrownBy(() -> snapshotter.queries().stat("extract-sha256:base"))
                .isInstanceOf(SnapshotException.NotFound.class);
    }

    @Test
    void removingARemoteSnapshotWhoseLabelsAnUpdateErasedStillReleasesItsContent() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.update("sha256:base", Map.of(), List.of()); // an empty field mask replaces every label

        snapshotter.remove("sha256:base");

        assertThat(mounted.released).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("sha256:base");
            assertThat(r.source()).isEqualTo("mounted");
            assertThat(r.labels()).as("the labels it was claimed with").containsEntry("mounted/layer", "sha256:base");
        });
    }

    @Test
    void aRemoteSnapshotWhoseLabelsWereErasedIsStillHandedToItsSourceAfterARestart() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.update("sha256:base", Map.of(), List.of("labels." + RemoteLabels.SOURCE,
                "labels." + RemoteLabels.REMOTE, "labels.mounted/layer")); // as `ctr snapshots label` does

        MountedSource again = new MountedSource("mounted");
        open(again);

        assertThat(snapshotter.restoreRemoteSnapshots()).isEqualTo(1);
        assertThat(again.restored).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("sha256:base");
            assertThat(r.labels()).containsEntry("mounted/layer", "sha256:base");
        });
    }

    @Test
    void statAndListShowTheSourceOfARemoteSnapshotWhateverAnUpdateDidToItsLabels() throws Exception {
        open(mounted);
        provide("sha256:base");

        SnapshotInfo updated = snapshotter.update("sha256:base", Map.of("mine", "1"), List.of());

        Map<String, String> shown = Map.of("mine", "1", RemoteLabels.SOURCE, "mounted",
                RemoteLabels.REMOTE, "remote snapshot");
        assertThat(updated.labels()).isEqualTo(shown);
        assertThat(snapshotter.queries().stat("sha256:base").labels()).isEqualTo(shown);
        List<String> listed = new CopyOnWriteArrayList<>();
        snapshotter.queries().list(List.of("labels.\"" + RemoteLabels.SOURCE + "\"==mounted"),
                info -> listed.add(info.name()));
        assertThat(listed).containsExactly("sha256:base");
    }

    @Test
    void aChildOfALayerWhoseLabelsWereErasedFailsToMountNamingTheLayerAndItsSource() throws Exception {
        open(mounted);
        provide("sha256:base");
        snapshotter.prepare("container", "sha256:base", Map.of());
        snapshotter.update("sha256:base", Map.of(), List.of());
        mounted.healthy = false;

        assertThatThrownBy(() -> snapshotter.queries().mounts("container"))
                .isInstanceOf(SnapshotException.Unavailable.class)
                .hasMessageContaining("sha256:base").hasMessageContaining("mounted");
        assertThatThrownBy(() -> snapshotter.prepare("other", "sha256:base", Map.of()))
                .isInstanceOf(SnapshotException.Unavailable.class).hasMessageContaining("sha256:base");
    }

    @Test
    void aClaimWhoseKeyIsRemovedWhileItMountsReleasesTheMountAndItsDirectoryIsDeleted() throws Exception {
        Path mountTable = root.resolve("no-mounts");
        java.util.concurrent.atomic.AtomicReference<Path> snapshotDir = new java.util.concurrent.atomic.AtomicReference<>();
        MountedSource cancelled = new MountedSource("mounted") {
            @Override
            public LayerClaim claim(LayerRequest request) {
                try { // the layer is mounted: the mount keeps the directory from deletion
                    Files.writeString(mountTable, "1 2 0:1 / " + request.contentDir() + " rw - fuse.test x rw\n");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                snapshotDir.set(request.snapshotDir());
                snapshotter.remove(request.key()); // containerd cancelled the pull meanwhile
                return super.claim(request);
            }

            @Override
            public void release(RemoteSnapshot snapshot) {
                super.release(snapshot);
                try {
                    Files.writeString(mountTable, "");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
        };
        open(cancelled);

        assertThatThrownBy(() -> snapshotter.prepare("extract-1 sha256:base", "", Map.of(RemoteLabels.TARGET,
                "sha256:base"))).isInstanceOf(SnapshotException.NotFound.class);

        assertThat(cancelled.released).as("the mount made for the claim").singleElement()
                .satisfies(r -> assertThat(r.snapshotDir()).isEqualTo(snapshotDir.get()));
        snapshotter.cleanup();
        assertThat(snapshotDir.get()).doesNotExist();
        assertThat(root.resolve("snapshots")).isEmptyDirectory();
        assertThatThrownBy(() -> snapshotter.queries().stat("sha256:base")).isInstanceOf(SnapshotException.NotFound.class);
    }
}
