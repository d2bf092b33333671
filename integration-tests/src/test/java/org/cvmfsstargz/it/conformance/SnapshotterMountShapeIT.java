package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.proto.types.Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exact mounts of reference §2.2, as containerd 1.6.20's overlay snapshotter builds them, for
 * zero, one and several parents, active and view: bind {@code rw|ro, rbind} of the own or the
 * parent's fs directory, or overlay with {@code [index=off,] workdir, upperdir, lowerdir} and the
 * lowerdir list nearest parent first. Directories are {@code <root>/snapshots/<numeric id>/fs|work}.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterMountShapeIT {
    /** containerd adds index=off exactly when the running kernel's overlay module has that parameter. */
    private static final boolean INDEX_OFF = Files.exists(Path.of("/sys/module/overlay/parameters/index"));

    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    private Path snapshots() {
        return session.root().resolve("snapshots");
    }

    private static Mount mount(String type, String source, List<String> options) {
        return Mount.newBuilder().setType(type).setSource(source).addAllOptions(options).build();
    }

    private static List<String> overlayOptions(String... options) {
        List<String> all = new ArrayList<>();
        if (INDEX_OFF) {
            all.add("index=off");
        }
        all.addAll(List.of(options));
        return all;
    }

    /** The {@code snapshots/<id>} directory a parentless active snapshot's bind mount names. */
    private Path ownDirOf(List<Mount> bindMounts) {
        assertThat(bindMounts).hasSize(1);
        Path source = Path.of(bindMounts.getFirst().getSource());
        assertThat(source.getFileName()).hasToString("fs");
        Path dir = source.getParent();
        assertThat(dir.getParent()).isEqualTo(snapshots());
        assertThat(dir.getFileName().toString()).as("directories are named by numeric id").matches("[0-9]+");
        assertThat(source).isDirectory();
        return dir;
    }

    /** The {@code snapshots/<id>} directory of an active overlay mount's upperdir. */
    private Path upperDirOf(List<Mount> overlay) {
        String upper = overlay.getFirst().getOptionsList().stream().filter(o -> o.startsWith("upperdir="))
                .findFirst().orElseThrow(() -> new AssertionError("no upperdir in " + overlay));
        Path dir = Path.of(upper.substring("upperdir=".length())).getParent();
        assertThat(dir.getParent()).isEqualTo(snapshots());
        assertThat(dir.getFileName().toString()).matches("[0-9]+");
        return dir;
    }

    @Test
    void aParentlessActiveSnapshotIsAReadWriteRecursiveBindOfItsOwnFsDir() {
        List<Mount> mounts = client().prepare("a0", "");
        Path own = ownDirOf(mounts);
        assertThat(mounts).containsExactly(mount("bind", own.resolve("fs").toString(), List.of("rw", "rbind")));
        assertThat(client().mounts("a0")).isEqualTo(mounts);
    }

    @Test
    void aParentlessViewIsAReadOnlyRecursiveBindOfItsOwnFsDir() {
        List<Mount> mounts = client().view("v0", "");
        Path own = ownDirOf(mounts);
        assertThat(mounts).containsExactly(mount("bind", own.resolve("fs").toString(), List.of("ro", "rbind")));
        assertThat(client().mounts("v0")).isEqualTo(mounts);
    }

    @Test
    void anActiveSnapshotOnParentsIsAnOverlayListingLowerdirsNearestParentFirst() {
        Path base = ownDirOf(client().prepare("base-a", ""));
        client().commit("base", "base-a");
        List<Mount> middleMounts = client().prepare("middle-a", "base");
        Path middle = upperDirOf(middleMounts);
        assertThat(middleMounts).containsExactly(mount("overlay", "overlay", overlayOptions(
                "workdir=" + middle.resolve("work"), "upperdir=" + middle.resolve("fs"),
                "lowerdir=" + base.resolve("fs"))));
        assertThat(middle.resolve("work")).isDirectory();
        client().commit("middle", "middle-a");

        List<Mount> topMounts = client().prepare("top-a", "middle");
        Path top = upperDirOf(topMounts);
        assertThat(topMounts).containsExactly(mount("overlay", "overlay", overlayOptions(
                "workdir=" + top.resolve("work"), "upperdir=" + top.resolve("fs"),
                "lowerdir=" + middle.resolve("fs") + ":" + base.resolve("fs"))));
        assertThat(client().mounts("top-a")).isEqualTo(topMounts);
        assertThat(List.of(base, middle, top)).doesNotHaveDuplicates();
    }

    @Test
    void aViewOfOneParentIsAReadOnlyBindOfThatParentsFsDir() {
        Path base = ownDirOf(client().prepare("base-a", ""));
        client().commit("base", "base-a");

        List<Mount> mounts = client().view("v1", "base");
        assertThat(mounts).containsExactly(mount("bind", base.resolve("fs").toString(), List.of("ro", "rbind")));
        assertThat(client().mounts("v1")).isEqualTo(mounts);
    }

    @Test
    void aViewOfSeveralParentsIsAnOverlayWithOnlyLowerdirs() {
        Path base = ownDirOf(client().prepare("base-a", ""));
        client().commit("base", "base-a");
        Path middle = upperDirOf(client().prepare("middle-a", "base"));
        client().commit("middle", "middle-a");
        Path top = upperDirOf(client().prepare("top-a", "middle"));
        client().commit("top", "top-a");

        List<Mount> mounts = client().view("v3", "top");
        assertThat(mounts).containsExactly(mount("overlay", "overlay", overlayOptions(
                "lowerdir=" + top.resolve("fs") + ":" + middle.resolve("fs") + ":" + base.resolve("fs"))));
        assertThat(client().mounts("v3")).isEqualTo(mounts);
    }

    @Test
    void committingKeepsTheDirectorySoChildrenMountWhatTheActiveSnapshotWrote() throws Exception {
        List<Mount> active = client().prepare("a0", "");
        Path dir = ownDirOf(active);
        Path target = session.workDir("a0");
        session.mounter().mountAll(active, target);
        Files.writeString(target.resolve("hello"), "world");
        session.mounter().unmount(target);
        client().commit("c0", "a0");

        List<Mount> child = client().view("v", "c0");
        assertThat(child.getFirst().getSource()).isEqualTo(dir.resolve("fs").toString());
        Path view = session.workDir("v");
        session.mounter().mountAll(child, view);
        assertThat(Files.readString(view.resolve("hello"))).isEqualTo("world");
    }
}
