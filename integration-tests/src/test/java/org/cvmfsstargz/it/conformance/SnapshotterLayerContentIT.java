package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.it.support.FsChange.all;
import static org.cvmfsstargz.it.support.FsChange.chown;
import static org.cvmfsstargz.it.support.FsChange.createDir;
import static org.cvmfsstargz.it.support.FsChange.createFile;
import static org.cvmfsstargz.it.support.FsChange.link;
import static org.cvmfsstargz.it.support.FsChange.removeAll;
import static org.cvmfsstargz.it.support.FsChange.rename;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.it.support.FsChange;
import org.cvmfsstargz.it.support.FsTree;
import org.cvmfsstargz.proto.types.Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * containerd 1.6.20's snapshotter conformance suite, the tests that mount snapshots and check
 * their content: layers of file changes committed one on another, each View compared with a plain
 * directory that received the same changes (modes, owners, content, hard links, deletions).
 */
class SnapshotterLayerContentIT {
    @RegisterExtension
    final SnapshotterSession session = SnapshotterSession.perTest();

    private LayerChain chain() {
        return new LayerChain(session);
    }

    /**
     * Mirrors containerd's {@code LayerFileupdate} test ({@code checkLayerFileUpdate}): run five
     * times, starting each run on a new second, as the Go test does to catch mtime-based caching.
     */
    @Test
    void aFileUpdatedInAnUpperLayerShowsItsNewContentInEveryRun() throws Exception {
        FsChange l1 = all(
                createDir("/etc", 0700),
                createFile("/etc/hosts", "mydomain 10.0.0.1", 0644),
                createFile("/etc/profile", "PATH=/usr/bin", 0644));
        FsChange l2 = all(
                createFile("/etc/hosts", "mydomain 10.0.0.2", 0644),
                createFile("/etc/profile", "PATH=/usr/bin", 0666),
                createDir("/root", 0700),
                createFile("/root/.bashrc", "PATH=/usr/sbin:/usr/bin", 0644));
        for (int run = 0; run < 5; run++) {
            assertThat(chain().checkSnapshots(l1, l2)).hasSize(2);
            Instant now = Instant.now();
            Thread.sleep(Duration.between(now, now.truncatedTo(ChronoUnit.SECONDS).plusSeconds(1)));
        }
    }

    /** Mirrors containerd's {@code RemoveDirectoryInLowerLayer} test. */
    @Test
    void aDirectoryRemovedAndRecreatedInAnUpperLayerHidesTheLowerContent() throws IOException {
        chain().checkSnapshots(
                all(createDir("/lib", 0700), createFile("/lib/hidden", "", 0644)),
                all(removeAll("/lib"), createDir("/lib", 0700), createFile("/lib/not-hidden", "", 0644)),
                all(createFile("/lib/newfile", "", 0644)));
    }

    /** Mirrors containerd's {@code Chown} test ({@code checkChown}). */
    @Test
    void ownershipChangedInAnUpperLayerIsWhatTheViewShows() throws IOException {
        chain().checkSnapshots(
                all(createDir("/opt", 0700), createDir("/opt/a", 0700), createDir("/opt/a/b", 0700),
                        createFile("/opt/a/b/file.txt", "hello", 0644)),
                all(chown("/opt", 1, 1), chown("/opt/a", 1, 1), chown("/opt/a/b", 1, 1),
                        chown("/opt/a/b/file.txt", 1, 1)));
    }

    /** Mirrors containerd's {@code DirectoryPermissionOnCommit} test. */
    @Test
    void directoryOwnersAndRemovalsSurviveCommitAcrossThreeLayers() throws IOException {
        chain().checkSnapshots(
                all(createDir("/dir1", 0700), createDir("/dir2", 0700), createDir("/dir3", 0700),
                        createDir("/dir4", 0700), createFile("/dir4/f1", "...", 0644),
                        createDir("/dir5", 0700), createFile("/dir5/f1", "...", 0644),
                        chown("/dir1", 1, 1), chown("/dir2", 1, 1), chown("/dir3", 1, 1),
                        chown("/dir5", 1, 1), chown("/dir5/f1", 1, 1)),
                all(chown("/dir2", 0, 0), removeAll("/dir3"), chown("/dir4", 1, 1), chown("/dir4/f1", 1, 1)),
                all(createDir("/dir3", 0700), chown("/dir3", 1, 1), removeAll("/dir5"),
                        createDir("/dir5", 0700), chown("/dir5", 1, 1)));
    }

    /** Mirrors containerd's {@code DeletedFilesInChildSnapshot} test. */
    @Test
    void aFileDeletedInAChildLayerStaysDeletedInItsDescendants() throws IOException {
        chain().checkSnapshots(
                all(createFile("/foo", "foo\n", 0777), createFile("/foobar", "foobar\n", 0777)),
                all(removeAll("/foobar")),
                all());
    }

    /** Mirrors containerd's {@code MoveFileFromLowerLayer} test ({@code checkFileFromLowerLayer}). */
    @Test
    void aFileHardLinkedFromALowerLayerSurvivesRemovalOfTheOriginal() throws IOException {
        chain().checkSnapshots(
                all(createDir("/dir1", 0700), createFile("/dir1/f1", "Hello", 0644),
                        createDir("dir2", 0700), createFile("dir2/f2", "...", 0644)),
                all(createDir("/dir3", 0700), createFile("/dir3/f1", "Hello", 0644), removeAll("/dir1"),
                        link("dir2/f2", "dir3/f2"), removeAll("dir2/f2")));
    }

    /**
     * Mirrors containerd's {@code Rename} test ({@code checkRename}). 1.6.20 skips it outright; this
     * runs the 1.7+ form for an overlayfs snapshotter, which leaves out the rename of a directory
     * from a lower layer (kernel overlay needs {@code redirect_dir} for that, so containerd skips it
     * for overlayfs too).
     */
    @Test
    void filesRenamedOverLowerLayerFilesShowTheirNewNamesAndContent() throws IOException {
        chain().checkSnapshots(
                all(createDir("/dir1", 0700), createDir("/somefiles", 0700),
                        createFile("/somefiles/f1", "was here first!", 0644),
                        createFile("/somefiles/f2", "nothing interesting", 0644)),
                all(createFile("/somefiles/f1-overwrite", "new content 1", 0644),
                        rename("/somefiles/f1-overwrite", "/somefiles/f1"),
                        rename("/somefiles/f2", "/somefiles/f3")));
    }

    /**
     * Mirrors containerd's {@code 128LayersMount} test: 128 layers, each checked against a flat
     * directory before and after its changes, then a View of the top. The view's lowerdir list is
     * longer than a page minus 512 bytes, so it only mounts when all layer directories share one
     * parent (the mounter then passes paths relative to it, as containerd does).
     */
    @Test
    void aChainOf128LayersMountsAndMatchesAFlatDirectory() throws IOException {
        List<FsChange> layers = new ArrayList<>();
        layers.add(all(
                createFile("/bottom", "way at the bottom\n", 0777),
                createFile("/overwriteme", "FIRST!\n", 0777),
                createDir("/ADDHERE", 0755),
                createDir("/ONLYME", 0755),
                createFile("/ONLYME/bottom", "bye!\n", 0777)));
        for (int i = 1; i <= 127; i++) {
            layers.add(all(
                    createFile("/overwriteme", i + " WAS HERE!\n", 0777),
                    createFile("/ADDHERE/file-" + i, "same\n", 0755),
                    removeAll("/ONLYME"),
                    createDir("/ONLYME", 0755),
                    createFile("/ONLYME/file-" + i, "only me!\n", 0777)));
        }
        Path flat = session.workDir("flat");
        String parent = "";
        for (int i = 0; i < layers.size(); i++) {
            Path preparing = session.workDir("prepare-layer-" + i);
            session.mounter().mountAll(session.client().prepare(preparing.toString(), parent), preparing);
            try {
                assertThat(FsTree.differences(flat, preparing)).as("layer %d before its changes", i).isEmpty();
                layers.get(i).apply(flat);
                layers.get(i).apply(preparing);
                assertThat(FsTree.differences(flat, preparing)).as("layer %d after its changes", i).isEmpty();
            } finally {
                session.mounter().unmount(preparing);
            }
            parent = session.work().resolve("committed-" + i).toString();
            session.client().commit(parent, preparing.toString());
        }

        Path view = session.workDir("fullview");
        List<Mount> mounts = session.client().view(view.toString(), parent);
        assertThat(String.join(",", mounts.getFirst().getOptionsList()).length())
                .as("the view's options need the relative-path form").isGreaterThanOrEqualTo(4096 - 512);
        session.mounter().mountAll(mounts, view);
        assertThat(FsTree.differences(flat, view)).as("full view of 128 layers").isEmpty();
    }

    /** Mirrors containerd's {@code ViewReadonly} test ({@code checkSnapshotterViewReadonly}). */
    @Test
    void aMountedViewIsReadOnly() throws IOException {
        String preparing = session.work().resolve("preparing").toString();
        session.client().prepare(preparing, "");
        String committed = session.work().resolve("committed").toString();
        session.client().commit(committed, preparing);
        String view = session.work().resolve("view").toString();
        Path mountPoint = session.workDir("view-mount");
        session.mounter().mountAll(session.client().view(view, committed), mountPoint);

        Path testfile = mountPoint.resolve("testfile");
        assertThatThrownBy(() -> Files.writeString(testfile, "testcontent"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
        session.mounter().unmount(mountPoint);
        session.client().remove(view);
        session.client().remove(committed);
        assertThat(session.client().list()).isEmpty();
    }

    /** Mirrors containerd's {@code RootPermission} test ({@code checkRootPermission}). */
    @Test
    void theRootOfAFreshActiveSnapshotHasMode0755() throws IOException {
        Path preparing = session.workDir("preparing");
        session.mounter().mountAll(session.client().prepare(preparing.toString(), ""), preparing);
        int mode = (Integer) Files.getAttribute(preparing, "unix:mode");
        assertThat(Integer.toOctalString(mode & 0777)).isEqualTo("755");
    }
}
