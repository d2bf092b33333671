package org.cvmfsstargz.it.support.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.Mounter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FaultyFuse} mirrors its backing directory through a real FUSE mount, fails and hangs the
 * paths a test names, and leaves no mount behind. Runs as root, as the integration tests do.
 */
@Timeout(120)
class FaultyFuseIT {
    private static final FileTime MTIME = FileTime.from(Instant.parse("2020-01-02T03:04:05.123456789Z"));
    private static final Duration HUNG = Duration.ofSeconds(1);
    private static final Duration SETTLE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    private Path backing;
    private Path mnt;
    private FaultyFuse fuse;
    private byte[] big;

    @BeforeEach
    void mountAMirrorOfABackingTree() throws IOException {
        backing = Files.createDirectories(tmp.resolve("backing"));
        Path hello = write("etc/hello.txt", "hello, fuse\n");
        Files.setPosixFilePermissions(hello, PosixFilePermissions.fromString("rw-r-----"));
        Files.setAttribute(hello, "unix:uid", 1234);
        Files.setAttribute(hello, "unix:gid", 5678);
        Files.setLastModifiedTime(hello, MTIME);
        Files.setPosixFilePermissions(write("bin/tool", "#!/bin/sh\n"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(backing.resolve("link"), Path.of("etc/hello.txt"));
        write("broken/file", "broken");
        write("brokenly/file", "fine");
        write("slow/data", "slow");
        write("fast/data", "fast");
        // Larger than libfuse's 128 KiB max_read, so reads come at several offsets.
        big = new byte[300_000];
        new Random(42).nextBytes(big);
        Files.write(backing.resolve("big.bin"), big);
        mnt = Files.createDirectories(tmp.resolve("mnt"));
        fuse = FaultyFuse.mount(mnt, backing);
    }

    @AfterEach
    void unmount() throws IOException {
        try {
            if (fuse != null) {
                fuse.close();
            }
        } finally {
            Mounter.unmountEverythingUnder(tmp);
        }
    }

    @Test
    void contentsModesOwnersTimesAndSymlinksAreMirrored() throws IOException {
        Path hello = mnt.resolve("etc/hello.txt");
        assertThat(Files.readString(hello)).isEqualTo("hello, fuse\n");
        assertThat(Files.readAllBytes(mnt.resolve("big.bin"))).isEqualTo(big);
        assertThat(Files.getAttribute(hello, "unix:mode")).isEqualTo(0100640);
        assertThat(Files.getAttribute(hello, "unix:uid")).isEqualTo(1234);
        assertThat(Files.getAttribute(hello, "unix:gid")).isEqualTo(5678);
        assertThat(Files.getAttribute(hello, "unix:size")).isEqualTo(12L);
        assertThat(Files.getLastModifiedTime(hello)).isEqualTo(MTIME);
        assertThat(Files.getAttribute(mnt.resolve("bin/tool"), "unix:mode")).isEqualTo(0100755);
        assertThat(Files.getAttribute(mnt.resolve("etc"), "unix:mode"))
                .isEqualTo(Files.getAttribute(backing.resolve("etc"), "unix:mode"));
        assertThat(Files.isDirectory(mnt.resolve("etc"), LinkOption.NOFOLLOW_LINKS)).isTrue();

        Path link = mnt.resolve("link");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(Path.of("etc/hello.txt"));
        assertThat(Files.readString(link)).isEqualTo("hello, fuse\n");

        assertThat(names(mnt)).containsExactlyInAnyOrderElementsOf(names(backing));
        assertThat(names(mnt)).contains("etc", "bin", "link", "big.bin");
        assertThat(mnt.resolve("missing")).doesNotExist();
        assertThatThrownBy(() -> Files.writeString(hello, "changed"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Read-only file system");
    }

    @Test
    void aPathUnderAnEioPrefixFailsWithInputOutputErrorUntilTheFaultIsCleared() throws IOException {
        assertThat(Files.readString(mnt.resolve("broken/file"))).isEqualTo("broken");

        fuse.failWithEio("broken");

        assertThatThrownBy(() -> Files.readString(mnt.resolve("broken/file")))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Input/output error");
        assertThatThrownBy(() -> Files.getAttribute(mnt.resolve("broken"), "unix:mode"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Input/output error");
        assertThat(Files.readString(mnt.resolve("brokenly/file"))).as("a sibling sharing the prefix's letters")
                .isEqualTo("fine");
        assertThat(Files.readString(mnt.resolve("etc/hello.txt"))).isEqualTo("hello, fuse\n");

        fuse.clearFaults();

        assertThat(Files.readString(mnt.resolve("broken/file"))).isEqualTo("broken");
    }

    @Test
    void aStatUnderAHungPrefixBlocksUntilReleasedWhileOtherPathsAnswer() throws Exception {
        fuse.hang("slow/");

        Future<Long> size = inBackground(() -> Files.size(mnt.resolve("slow/data")));

        assertThatThrownBy(() -> size.get(HUNG.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(TimeoutException.class);
        assertThat(fuse.hungCalls()).isEqualTo(1);
        assertThat(Files.readString(mnt.resolve("fast/data"))).isEqualTo("fast");

        fuse.release();

        assertThat(size.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo(4L);
        assertThat(fuse.hungCalls()).isZero();
    }

    @Test
    void theWholeRootCanFailAndHang() throws Exception {
        fuse.failWithEio("");
        assertThatThrownBy(() -> Files.getAttribute(mnt, "unix:mode"))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Input/output error");
        assertThatThrownBy(() -> Files.readString(mnt.resolve("fast/data")))
                .isInstanceOf(FileSystemException.class)
                .hasMessageContaining("Input/output error");
        fuse.clearFaults();

        fuse.hang("");
        Future<List<String>> listing = inBackground(() -> names(mnt));
        assertThatThrownBy(() -> listing.get(HUNG.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(TimeoutException.class);
        assertThat(fuse.hungCalls()).isPositive();
        fuse.release();

        assertThat(listing.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS)).contains("etc", "slow", "link");
    }

    @Test
    void closeReleasesHungCallsAndLeavesNoMountBehind() throws Exception {
        fuse.hang("slow");
        Future<Long> size = inBackground(() -> Files.size(mnt.resolve("slow/data")));
        awaitHungCalls(1);
        assertThat(mountTypesAt(mnt)).contains("fuse.faultyfuse");

        fuse.close();

        assertThat(finishes(size)).as("the hung stat returned or failed once close released it").isTrue();
        assertThat(mountTypesAt(mnt)).isEmpty();
        fuse.close();
        assertThat(mountTypesAt(mnt)).isEmpty();
    }

    @Test
    void closeDetachesAMountThatIsStillInUseAndWaitsUntilItIsLetGo() throws Exception {
        Future<Void> closing;
        try (FileChannel open = FileChannel.open(mnt.resolve("etc/hello.txt"))) {
            closing = inBackground(() -> {
                fuse.close();
                return null;
            });
            awaitUnmounted(mnt);
            ByteBuffer content = ByteBuffer.allocate(64);
            open.read(content, 0);
            assertThat(new String(content.array(), 0, content.position(), StandardCharsets.UTF_8))
                    .as("a lazily detached mount serves the files still open on it")
                    .isEqualTo("hello, fuse\n");
            assertThat(closing).isNotDone();
        }
        closing.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(mountTypesAt(mnt)).isEmpty();
    }

    private Path write(String relative, String content) throws IOException {
        Path file = backing.resolve(relative);
        Files.createDirectories(file.getParent());
        return Files.writeString(file, content);
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).toList();
        }
    }

    /** Runs {@code call} on a daemon thread of its own: a hung system call cannot be interrupted. */
    private static <T> Future<T> inBackground(Callable<T> call) {
        FutureTask<T> task = new FutureTask<>(call);
        Thread.ofPlatform().daemon().name("faulty-fuse-it caller").start(task);
        return task;
    }

    private void awaitHungCalls(int count) throws InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (fuse.hungCalls() < count && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(fuse.hungCalls()).isEqualTo(count);
    }

    private static void awaitUnmounted(Path dir) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (!mountTypesAt(dir).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(mountTypesAt(dir)).isEmpty();
    }

    private static boolean finishes(Future<?> future) throws InterruptedException {
        try {
            future.get(SETTLE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException failed) {
            return true;
        } catch (TimeoutException stillHung) {
            return false;
        }
    }

    /** The filesystem types mounted at {@code dir}, read straight from /proc/self/mountinfo. */
    private static List<String> mountTypesAt(Path dir) throws IOException {
        // Fields: id parent major:minor root mount-point options [optional...] - fstype source super-options
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" "))
                .filter(fields -> fields[4].equals(dir.toString()))
                .map(fields -> fields[List.of(fields).indexOf("-") + 1])
                .toList();
    }
}
