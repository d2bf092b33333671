package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutDirs;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.cvmfs.whiteout.DirAttributes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DUCC's plain whiteout files, translated by {@link WhiteoutDirs}, behave as deletions in a real
 * kernel overlay mount. Runs as root, as the integration tests do (mknod, trusted.* xattrs, mount).
 */
class WhiteoutDirsIT {
    @TempDir
    Path work;

    private static void touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, file.getFileName().toString());
    }

    private static boolean isWhiteout(Path path) throws IOException {
        Map<String, Object> a = Files.readAttributes(path, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        return ((Integer) a.get("mode") & 0170000) == 0020000 && (Long) a.get("rdev") == 0L;
    }

    /** The JDK's xattr view reads user.* only: trusted.* needs getxattr(2). */
    private static String opaqueXattr(Path dir) throws Throwable {
        Linker linker = Linker.nativeLinker();
        MethodHandle getxattr = linker.downcallHandle(linker.defaultLookup().findOrThrow("getxattr"),
                FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = arena.allocate(16);
            long size = (long) getxattr.invokeExact(arena.allocateFrom(dir.toString()),
                    arena.allocateFrom("trusted.overlay.opaque"), value, 16L);
            return size < 0 ? "" : new String(value.asSlice(0, size).toArray(ValueLayout.JAVA_BYTE),
                    StandardCharsets.US_ASCII);
        }
    }

    @Test
    void markersGoAboveAndDeletionsAndOpaqueDirectoriesBelow() throws Throwable {
        FileTime time = FileTime.fromMillis(1_000_000_000_000L);
        WhiteoutPlan plan = WhiteoutPlan.of(
                List.of(Path.of(".cvmfscatalog"), Path.of("etc/.wh.gone"), Path.of("data/.wh..wh..opq")),
                Map.of(Path.of(""), new DirAttributes(0755, 0, 0, time),
                        Path.of("etc"), new DirAttributes(01777, 12, 34, time)));
        Path upper = work.resolve("upper");
        Path lower = work.resolve("lower");

        WhiteoutDirs.materialize(plan, upper, lower);

        assertThat(isWhiteout(upper.resolve(".cvmfscatalog"))).isTrue();
        assertThat(isWhiteout(upper.resolve("etc/.wh.gone"))).isTrue();
        assertThat(isWhiteout(upper.resolve("data/.wh..wh..opq"))).isTrue();
        assertThat(Files.exists(upper.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.getAttribute(upper.resolve("etc"), "unix:mode")).isEqualTo(040000 | 01777);
        assertThat(Files.getAttribute(upper.resolve("etc"), "unix:uid")).isEqualTo(12);
        assertThat(Files.getLastModifiedTime(upper.resolve("etc"))).isEqualTo(time);
        assertThat(Files.getAttribute(upper, "unix:mode")).isEqualTo(040755);

        assertThat(isWhiteout(lower.resolve("etc/gone"))).isTrue();
        assertThat(opaqueXattr(lower.resolve("data"))).isEqualTo("y");
        try (Stream<Path> data = Files.list(lower.resolve("data"))) {
            assertThat(data).isEmpty();
        }
        try (Stream<Path> siblings = Files.list(work)) {
            assertThat(siblings).containsExactlyInAnyOrder(upper, lower);
        }
    }

    @Test
    void aLayerWithOnlyMarkersGetsNoLowerDirectory() throws IOException {
        Path upper = work.resolve("upper");
        Path lower = work.resolve("lower");
        WhiteoutDirs.materialize(WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog")), Map.of()), upper, lower);
        assertThat(isWhiteout(upper.resolve(".cvmfscatalog"))).isTrue();
        assertThat(Files.exists(lower, LinkOption.NOFOLLOW_LINKS)).as("an empty lower directory").isFalse();
    }

    @Test
    void anExistingDirectoryIsLeftAsItIs() throws IOException {
        Path upper = Files.createDirectories(work.resolve("upper"));
        touch(upper.resolve("sentinel"));
        WhiteoutDirs.materialize(WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog")), Map.of()),
                upper, work.resolve("lower"));
        try (Stream<Path> entries = Files.list(upper)) {
            assertThat(entries).containsExactly(upper.resolve("sentinel"));
        }
    }

    @Test
    void realOverlayHidesDeletedFilesMarkersAndOpaqueContent() throws Exception {
        Path a = work.resolve("A");
        touch(a.resolve("etc/keep"));
        touch(a.resolve("etc/gone"));
        touch(a.resolve("data/old"));
        Path b = work.resolve("B");
        touch(b.resolve("etc/.wh.gone"));
        touch(b.resolve("data/.wh..wh..opq"));
        touch(b.resolve("data/new"));
        touch(b.resolve(".cvmfscatalog"));
        Files.writeString(a.resolve("etc/replaced"), "from A");
        touch(b.resolve("etc/.wh.replaced"));
        Files.writeString(b.resolve("etc/replaced"), "from B");
        WhiteoutPlan plan = new WhiteoutScan(Duration.ofSeconds(5), 1000).scan(b, n -> {});
        Path upper = work.resolve("upper");
        Path lower = work.resolve("lower");
        WhiteoutDirs.materialize(plan, upper, lower);
        Path mnt = Files.createDirectories(work.resolve("mnt"));

        run("mount", "-t", "overlay", "overlay", "-o",
                "lowerdir=" + upper + ":" + b + ":" + lower + ":" + a, mnt.toString());
        try {
            assertThat(mnt.resolve("etc/keep")).exists();
            assertThat(Files.exists(mnt.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(Files.exists(mnt.resolve("etc/.wh.gone"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(Files.exists(mnt.resolve(".cvmfscatalog"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            // OCI: a layer may delete a name from below and ship its own under the same name.
            assertThat(mnt.resolve("etc/replaced")).hasContent("from B");
            try (Stream<Path> data = Files.list(mnt.resolve("data"))) {
                assertThat(data.map(p -> p.getFileName().toString())).containsExactly("new");
            }
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), output).isZero();
    }
}
