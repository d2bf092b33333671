package org.cvmfsstargz.snapshotter.core.dirs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotDirectoriesTest {
    @TempDir
    Path root;

    private Path mountinfo;
    private SnapshotDirectories dirs;

    @BeforeEach
    void setUp() throws Exception {
        mountinfo = root.resolve("mountinfo");
        Files.writeString(mountinfo, "");
        dirs = new SnapshotDirectories(root, new MountTable(mountinfo));
    }

    @Test
    void aStagedDirectoryHasAnFsWithMode0755AndIsNamedByItsIdOnInstall() throws Exception {
        SnapshotDirectories.Staged staged = dirs.stage(true);
        dirs.install(staged, 7);
        assertThat(dirs.fs(7)).isDirectory();
        assertThat(dirs.work(7)).isDirectory();
        assertThat(Files.getPosixFilePermissions(dirs.fs(7)))
                .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(staged.path()).doesNotExist();
    }

    @Test
    void orphansAreClaimedButLiveInProgressMountedAndForeignEntriesAreNot() throws Exception {
        dirs.install(dirs.stage(false), 1);
        dirs.install(dirs.stage(false), 2);
        dirs.install(dirs.stage(false), 3);
        SnapshotDirectories.Staged inProgress = dirs.stage(false);
        Files.createDirectory(root.resolve("snapshots/new-left-by-a-crash"));
        Files.createDirectory(root.resolve("snapshots/not-ours"));
        Files.writeString(mountinfo, "36 35 0:33 / " + dirs.fs(3) + "/mnt rw - fuse x rw\n");

        List<Path> claimed = dirs.claimOrphans(Set.of(1L));
        assertThat(dirs.delete(claimed)).isEqualTo(2); // 2 and the crash leftover; 3 is mounted
        assertThat(dirs.dir(1)).isDirectory();
        assertThat(dirs.dir(2)).doesNotExist();
        assertThat(dirs.dir(3)).isDirectory();
        assertThat(inProgress.path()).isDirectory();
        assertThat(root.resolve("snapshots/new-left-by-a-crash")).doesNotExist();
        assertThat(root.resolve("snapshots/not-ours")).isDirectory();
    }

    @Test
    void anOrphanThatOnlyTheHostsMountTableShowsInUseIsNotClaimed() throws Exception {
        Path host = root.resolve("host-mountinfo");
        SnapshotDirectories inPod = new SnapshotDirectories(root, MountTable.ofThisProcessAnd(Optional.of(host)));
        inPod.install(inPod.stage(false), 6);
        inPod.install(inPod.stage(false), 7);
        // containerd's overlay for a running container, in the host's mount namespace only
        Files.writeString(host, "40 1 0:50 / /run/containerd/c1/rootfs rw - overlay overlay rw,lowerdir="
                + inPod.fs(6) + ",upperdir=/u,workdir=/w\n");

        assertThat(inPod.delete(inPod.claimOrphans(Set.of()))).isEqualTo(1);
        assertThat(inPod.dir(6)).isDirectory();
        assertThat(inPod.dir(7)).doesNotExist();
    }

    @Test
    void aHostMountTableThatCannotBeReadClaimsNothing() throws Exception {
        SnapshotDirectories inPod = new SnapshotDirectories(root,
                MountTable.ofThisProcessAnd(Optional.of(root.resolve("no-such-table"))));
        inPod.install(inPod.stage(false), 8);

        assertThatThrownBy(() -> inPod.claimOrphans(Set.of())).isInstanceOf(java.io.UncheckedIOException.class)
                .hasMessageContaining("no-such-table");
        assertThat(inPod.dir(8)).isDirectory();
    }

    @Test
    void installReplacesADirectoryLeftByARolledBackTransaction() throws Exception {
        Files.createDirectories(dirs.fs(5));
        Files.writeString(dirs.fs(5).resolve("stale"), "x");
        dirs.install(dirs.stage(false), 5);
        assertThat(dirs.fs(5).resolve("stale")).doesNotExist();
    }

    @Test
    void aDirectoryUsedAsAnOverlayLayerCountsAsMounted() throws Exception {
        Files.writeString(mountinfo, "40 1 0:50 / /run/c rw - overlay overlay rw,lowerdir=" + dirs.fs(4) + ":/x,upperdir=/u\n");
        assertThat(new MountTable(mountinfo).anyUnder(dirs.dir(4))).isTrue();
        assertThat(new MountTable(mountinfo).anyUnder(dirs.dir(40))).isFalse();
    }

    @Test
    void escapedSpacesInTheMountTableAreDecoded() throws Exception {
        Files.writeString(mountinfo, "40 1 0:50 / /srv/with\\040space rw - ext4 /dev/x rw\n");
        assertThat(new MountTable(mountinfo).anyUnder(Path.of("/srv/with space"))).isTrue();
    }

    @Test
    void diskUsageCountsHardLinkedInodesOnce() throws Exception {
        Path tree = Files.createDirectory(root.resolve("tree"));
        Path file = Files.write(tree.resolve("f"), new byte[8192]);
        Files.createLink(tree.resolve("link"), file);
        var usage = DiskUsage.of(tree);
        assertThat(usage.inodes()).isEqualTo(2);
        assertThat(usage.size()).isGreaterThanOrEqualTo(8192);
    }

    @Test
    void aNewDirectoryIsSyncedAndItsRenameIntoPlaceIsSyncedInItsParentBeforeInstallReturns() throws Exception {
        List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        SnapshotDirectories synced = new SnapshotDirectories(root, new MountTable(mountinfo), dir -> events.add(
                "sync " + root.relativize(dir) + (Files.isDirectory(dir.resolve("fs")) ? " holding fs" : "")));

        SnapshotDirectories.Staged staged = synced.stage(true);
        assertThat(events).as("the staged directory's entries are durable").containsExactly(
                "sync " + root.relativize(staged.path()) + " holding fs");
        synced.install(staged, 7);

        assertThat(events).as("the rename is durable before the transaction recording id 7 commits")
                .containsExactly("sync " + root.relativize(staged.path()) + " holding fs", "sync snapshots");
    }
}
