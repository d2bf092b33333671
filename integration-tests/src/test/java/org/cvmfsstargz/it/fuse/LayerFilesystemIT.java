package org.cvmfsstargz.it.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.Mounter;
import org.cvmfsstargz.it.support.Processes;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.fuse.LayerFilesystem;
import org.cvmfsstargz.stargz.fuse.LayerMount;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An eStargz layer built in memory, served through a real FUSE mount by {@link LayerFilesystem}
 * and {@link LayerMount}, read with java.nio as a container would, and stacked under overlayfs
 * to prove the kernel sees its whiteouts and opaque directories. Runs as root; leaves nothing in
 * /proc/self/mountinfo.
 */
@Timeout(180)
class LayerFilesystemIT {
    private static final int CHUNK = 256 << 10;
    private static final int BIG = 24 << 20;
    private static final int DIRS = 40;
    private static final int FILES_PER_DIR = 75;
    private static final Digest LAYER = Digest.sha256("LayerFilesystemIT".getBytes(StandardCharsets.UTF_8));

    private static final Map<String, byte[]> FILES = new LinkedHashMap<>();
    private static TestBlob.Built built;
    private static Toc toc;

    @TempDir
    Path tmp;

    private InMemoryBlobReader reader;
    private Path mnt;
    private LayerMount mount;

    @BeforeAll
    static void buildTheLayer() throws CorruptLayerException {
        TestBlob layer = TestBlob.layer().chunkSize(CHUNK);
        FILES.put("big/cold.bin", halfRandom(BIG, 1));
        FILES.put("big/warm.bin", halfRandom(BIG, 2));
        for (int d = 0; d < DIRS; d++) {
            for (int f = 0; f < FILES_PER_DIR; f++) {
                FILES.put("many/d%02d/f%03d".formatted(d, f), ("file %d/%d\n".formatted(d, f)).repeat(1 + f % 90)
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        FILES.put("links/original", "the original\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("w/kept", "kept\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("o/fresh", "fresh\n".getBytes(StandardCharsets.UTF_8));
        FILES.put("bad/file", "never served\n".getBytes(StandardCharsets.UTF_8));
        FILES.forEach(layer::file);
        built = layer
                .hardlink("links/hard", "links/original")
                .symlink("links/soft", "original")
                .symlink("links/dangling", "/nowhere/at/all")
                .file("owned/public", "public\n", Map.of("mode", 0644))
                .file("owned/secret", "secret\n", Map.of("mode", 0600))
                .file("owned/user", "user\n", Map.of("mode", 04750, "uid", 1000, "gid", 2000))
                .file("owned/tagged", "tagged\n", Map.of("xattrs", Map.of("user.colour", TestBlob.base64("blue"))))
                .device("char", "dev/null", 1, 3)
                .fifo("run/fifo")
                .file("w/.wh.gone", "")
                .file("o/.wh..wh..opq", "")
                .landmark(Prefetch.LANDMARK)
                .build();
        toc = built.read();
    }

    @BeforeEach
    void mountTheLayer() throws IOException {
        reader = new InMemoryBlobReader(toc, built.blob());
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        mount = LayerMount.mount(mnt, new LayerFilesystem(LAYER, toc, reader));
    }

    @AfterEach
    void unmountEverything() throws IOException {
        try {
            Mounter.unmountEverythingUnder(tmp.resolve("merged"));
            if (mount != null) {
                mount.close();
                mount.close(); // idempotent
            }
        } finally {
            Mounter.unmountEverythingUnder(tmp);
        }
        assertThat(Mounter.mountPointsUnder(tmp)).isEmpty();
    }

    @Test
    void theTreeShowsEveryVisibleNameWithItsTypeSizeModeAndOwner() throws IOException {
        Set<String> listed = new TreeSet<>();
        try (Stream<Path> walk = Files.walk(mnt)) {
            walk.filter(p -> !p.equals(mnt)).forEach(p -> listed.add(mnt.relativize(p).toString()));
        }
        Set<String> expected = new TreeSet<>(FILES.keySet());
        expected.addAll(List.of("big", "many", "links", "w", "o", "bad", "owned", "dev", "run", "links/hard",
                "links/soft", "links/dangling", "owned/public", "owned/secret", "owned/user", "owned/tagged",
                "dev/null", "run/fifo", "w/gone"));
        for (int d = 0; d < DIRS; d++) {
            expected.add("many/d%02d".formatted(d));
        }
        assertThat(listed).isEqualTo(expected);

        for (Map.Entry<String, byte[]> file : FILES.entrySet()) {
            assertThat(Files.size(mnt.resolve(file.getKey()))).as(file.getKey()).isEqualTo(file.getValue().length);
        }
        assertThat(unix("owned/user")).containsEntry("mode", 0104750).containsEntry("uid", 1000)
                .containsEntry("gid", 2000).containsEntry("nlink", 1).containsEntry("size", 5L);
        assertThat(unix("owned/secret")).containsEntry("mode", 0100600).containsEntry("uid", 0);
        assertThat(unix("many")).containsEntry("mode", 040755).containsEntry("nlink", 2 + DIRS);
        assertThat(unix("dev/null")).containsEntry("mode", 020644).containsEntry("rdev", 0x103L);
        assertThat(unix("run/fifo")).containsEntry("mode", 010644);
        assertThat(unix("w/gone")).containsEntry("mode", 020000).containsEntry("rdev", 0L).containsEntry("uid", 0)
                .containsEntry("ino", toc.lookup("w/.wh.gone").orElseThrow().inode());
        assertThat(unix("")).containsEntry("ino", Toc.ROOT_INODE);
        assertThat(unix("big/cold.bin").get("ino")).isEqualTo(toc.lookup("big/cold.bin").orElseThrow().inode());
        assertThat(Files.exists(mnt.resolve(Prefetch.LANDMARK), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(mnt.resolve("o/.wh..wh..opq"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(Files.exists(mnt.resolve("w/.wh.gone"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    }

    @Test
    void contentsMatchIncludingLargeReadsAndReadsFromTheMiddleOfAChunk() throws IOException {
        for (Map.Entry<String, byte[]> file : FILES.entrySet()) {
            if (!file.getKey().startsWith("big/") && !file.getKey().startsWith("bad/")) {
                assertThat(Files.readAllBytes(mnt.resolve(file.getKey()))).as(file.getKey()).isEqualTo(file.getValue());
            }
        }
        reader.warm(toc.lookup("big/warm.bin").orElseThrow());
        int fetchesBefore = reader.fetches();
        long cold = timedSha256("big/cold.bin");
        assertThat(reader.fetches() - fetchesBefore).as("each chunk fetched once").isEqualTo(BIG / CHUNK);
        long warm = timedSha256("big/warm.bin");
        System.out.printf("sequential read through FUSE with a 1 MiB buffer, %d MiB: %.0f MB/s with the reader"
                + " inflating and verifying each chunk once, %.0f MB/s with every chunk already in memory%n",
                BIG >> 20, BIG / 1e3 / cold, BIG / 1e3 / warm);

        try (FileChannel channel = FileChannel.open(mnt.resolve("big/warm.bin"), StandardOpenOption.READ)) {
            for (long start : List.of(3L * CHUNK + 12_345, CHUNK - 1L, BIG - 70_000L)) {
                ByteBuffer slice = ByteBuffer.allocate(700_000);
                while (slice.hasRemaining() && channel.read(slice, start + slice.position()) > 0) {
                    // until full or at the end
                }
                byte[] expected = Arrays.copyOfRange(FILES.get("big/warm.bin"), (int) start,
                        (int) Math.min(BIG, start + 700_000));
                assertThat(Arrays.copyOf(slice.array(), slice.position())).as("from %d", start).isEqualTo(expected);
            }
        }
    }

    /** Reads {@code name} with a 1 MiB buffer, checks its sha256 and returns the milliseconds taken. */
    private long timedSha256(String name) throws IOException {
        MessageDigest sha256 = Digest.newHasher();
        long start = System.nanoTime();
        try (FileChannel channel = FileChannel.open(mnt.resolve(name), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            while (channel.read(buffer) >= 0) {
                buffer.flip();
                sha256.update(buffer);
                buffer.clear();
            }
        }
        long millis = Math.max(1, (System.nanoTime() - start) / 1_000_000);
        assertThat(HexFormat.of().formatHex(sha256.digest())).as(name)
                .isEqualTo(Digest.sha256(FILES.get(name)).hex());
        return millis;
    }

    @Test
    void aSmallReadFetchesOnlyTheChunksAroundIt() throws IOException {
        try (FileChannel channel = FileChannel.open(mnt.resolve("big/cold.bin"), StandardOpenOption.READ)) {
            ByteBuffer small = ByteBuffer.allocate(100);
            channel.read(small, 10L * CHUNK + 5000);
            assertThat(small.array()).isEqualTo(Arrays.copyOfRange(FILES.get("big/cold.bin"), 10 * CHUNK + 5000,
                    10 * CHUNK + 5100));
        }
        // The kernel reads ahead up to 128 KiB, which may reach into the next chunk.
        assertThat(reader.fetches()).isBetween(1, 2);
    }

    @Test
    void symlinksHardLinksAndXattrsAreWhatTheTocSays() throws IOException {
        assertThat(Files.readSymbolicLink(mnt.resolve("links/soft"))).isEqualTo(Path.of("original"));
        assertThat(Files.readString(mnt.resolve("links/soft"))).isEqualTo("the original\n");
        assertThat(Files.readSymbolicLink(mnt.resolve("links/dangling"))).isEqualTo(Path.of("/nowhere/at/all"));
        assertThat(unix("links/soft")).containsEntry("mode", 0120777).containsEntry("size", 8L);

        Map<String, Object> original = unix("links/original");
        Map<String, Object> hard = unix("links/hard");
        assertThat(hard.get("ino")).isEqualTo(original.get("ino"));
        assertThat(original).containsEntry("nlink", 2);
        assertThat(hard).containsEntry("nlink", 2);
        assertThat(Files.readString(mnt.resolve("links/hard"))).isEqualTo("the original\n");

        assertThat(userXattrs("owned/tagged")).containsExactly(Map.entry("colour", "blue"));
        assertThat(userXattrs("o")).containsExactly(Map.entry("overlay.opaque", "y"));
        assertThat(userXattrs("w")).isEmpty();
    }

    @Test
    void aFailedFetchIsAnIoErrorForTheReaderAndOtherFilesStillRead() {
        reader.fail("bad/file");

        assertThatThrownBy(() -> Files.readAllBytes(mnt.resolve("bad/file")))
                .isInstanceOf(IOException.class).hasMessageContaining("Input/output error");
        reader.failNothing();
        assertThat(mount.healthy()).isTrue();
    }

    @Test
    void overlayfsHidesWhatTheLayerWhitesOutAndWhatItsOpaqueDirectoryCovers() throws IOException {
        Path lower = Files.createDirectories(tmp.resolve("lower"));
        Files.createDirectories(lower.resolve("w"));
        Files.writeString(lower.resolve("w/gone"), "deleted by the layer\n");
        Files.writeString(lower.resolve("w/other"), "still there\n");
        Files.createDirectories(lower.resolve("o"));
        Files.writeString(lower.resolve("o/old"), "covered by the opaque directory\n");
        Files.writeString(lower.resolve("only-lower"), "lower\n");
        Path merged = Files.createDirectories(tmp.resolve("merged"));

        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + mnt + ":" + lower, merged.toString());
        try {
            assertThat(Files.exists(merged.resolve("w/gone"), LinkOption.NOFOLLOW_LINKS)).isFalse();
            assertThat(names(merged.resolve("w"))).containsExactlyInAnyOrder("kept", "other");
            assertThat(names(merged.resolve("o"))).containsExactly("fresh");
            assertThat(Files.readString(merged.resolve("only-lower"))).isEqualTo("lower\n");
            assertThat(Files.readString(merged.resolve("many/d07/f003"))).isEqualTo(new String(
                    FILES.get("many/d07/f003"), StandardCharsets.UTF_8));
        } finally {
            run("umount", merged.toString());
        }
    }

    @Test
    void sixteenThreadsReadingDifferentFilesAtOnceGetTheirOwnBytes() throws Exception {
        List<String> names = new ArrayList<>(FILES.keySet());
        names.remove("bad/file");
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(16);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                results.add(threads.submit(() -> {
                    start.await();
                    int checked = 0;
                    for (int i = thread; i < names.size(); i += 16) {
                        String name = names.get(i);
                        assertThat(Digest.sha256(Files.readAllBytes(mnt.resolve(name)))).as(name)
                                .isEqualTo(Digest.sha256(FILES.get(name)));
                        checked++;
                    }
                    return checked;
                }));
            }
            start.countDown();
            int checked = 0;
            for (Future<Integer> result : results) {
                checked += result.get(120, TimeUnit.SECONDS);
            }
            assertThat(checked).isEqualTo(names.size());
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void otherUsersMayReadWhatModesAllowAndNothingElse() throws IOException {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));

        assertThat(runAsNobody("cat", mnt.resolve("owned/public").toString())).isEqualTo(new Processes.Exit(0, "public\n"));
        for (String denied : List.of("owned/secret", "owned/user")) {
            Processes.Exit exit = runAsNobody("cat", mnt.resolve(denied).toString());
            assertThat(exit.code()).as(denied).isEqualTo(1);
            assertThat(exit.output()).as(denied).contains("Permission denied");
        }
    }

    @Test
    void theMountIsNamedAfterTheLayerReadOnlyAndHealthyUntilClosed() throws IOException {
        String line = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.split(" ")[4].equals(mnt.toString())).findFirst().orElseThrow();
        assertThat(line).contains(" - fuse.estargz estargz:" + LAYER.hex().substring(0, 12) + " ")
                .contains("allow_other").containsPattern(" ro[, ]");
        assertThat(LayerMount.isMounted(mnt)).isTrue();
        assertThat(mount.healthy()).isTrue();
        assertThatThrownBy(() -> Files.writeString(mnt.resolve("new"), "x")).isInstanceOf(IOException.class)
                .hasMessageContaining("Read-only file system");
        assertThatThrownBy(() -> LayerMount.mount(mnt, new LayerFilesystem(LAYER, toc, reader)))
                .isInstanceOf(IOException.class).hasMessageContaining("already a mount point");

        mount.close();

        assertThat(LayerMount.isMounted(mnt)).isFalse();
        assertThat(mount.healthy()).isFalse();
        Files.writeString(tmp.resolve("full"), "");
        assertThatThrownBy(() -> LayerMount.mount(tmp, new LayerFilesystem(LAYER, toc, reader)))
                .isInstanceOf(IOException.class).hasMessageContaining("not empty");
    }

    @Test
    void closingWhileAFileIsOpenDetachesTheMountAndTheOpenFileStillReads() throws IOException {
        try (FileChannel open = FileChannel.open(mnt.resolve("links/original"), StandardOpenOption.READ)) {
            mount.close();

            assertThat(LayerMount.isMounted(mnt)).isFalse();
            ByteBuffer content = ByteBuffer.allocate(64);
            open.read(content, 0);
            assertThat(new String(content.array(), 0, content.position(), StandardCharsets.UTF_8))
                    .isEqualTo("the original\n");
        }
    }

    private Map<String, Object> unix(String name) throws IOException {
        return Files.readAttributes(mnt.resolve(name), "unix:*", LinkOption.NOFOLLOW_LINKS);
    }

    private Map<String, String> userXattrs(String name) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(mnt.resolve(name),
                UserDefinedFileAttributeView.class);
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : view.list()) {
            ByteBuffer value = ByteBuffer.allocate(view.size(key));
            view.read(key, value);
            values.put(key, new String(value.array(), StandardCharsets.UTF_8));
        }
        return values;
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> list = Files.list(dir)) {
            return list.map(p -> p.getFileName().toString()).toList();
        }
    }

    private static void run(String... command) throws IOException {
        Processes.Exit exit = Processes.run(Duration.ofSeconds(30), List.of(command));
        if (exit.code() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + exit.output());
        }
    }

    private static Processes.Exit runAsNobody(String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
        line.addAll(List.of(command));
        return Processes.run(Duration.ofSeconds(30), line);
    }

    /** Half random, half zeros per 4 KiB: large files whose gzip members stay moderately small. */
    private static byte[] halfRandom(int size, long seed) {
        byte[] bytes = new byte[size];
        Random random = new Random(seed);
        byte[] noise = new byte[2048];
        for (int at = 0; at < size; at += 4096) {
            random.nextBytes(noise);
            System.arraycopy(noise, 0, bytes, at, Math.min(noise.length, size - at));
        }
        return bytes;
    }
}
