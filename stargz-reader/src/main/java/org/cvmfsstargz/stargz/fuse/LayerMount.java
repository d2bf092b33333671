package org.cvmfsstargz.stargz.fuse;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cvmfsstargz.stargz.format.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link LayerFilesystem} mounted on a directory: libfuse 2's multi-threaded loop on a
 * platform thread of its own, until {@link #close()}. The mount options ({@link #options}) make it
 * read-only, visible to every user with the kernel checking modes ({@code default_permissions}, so
 * a container's non-root user gets EACCES where the file's mode says so), report the TOC's inode
 * numbers ({@code use_ino}), and let the kernel cache pages, entries, attributes and misses for an
 * hour, since a layer never changes. No JVM shutdown hook is registered: the owner closes it.
 *
 * <p>Thread-safe. The caller of {@link #mount} owns it and closes it; closing never closes the
 * filesystem's {@code ContentReader}, which the caller may release afterwards. Needs root (or
 * {@code user_allow_other}), libfuse 2 and {@code /dev/fuse}.
 */
public final class LayerMount implements AutoCloseable {
    public static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration LOOP_EXIT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(LayerMount.class);

    private final Path mountpoint;
    private final LayerFilesystem filesystem;
    private final CompletableFuture<Integer> loopStatus;
    private volatile boolean closed;
    private final Object probeLock = new Object();
    private CompletableFuture<Boolean> probe = CompletableFuture.completedFuture(true); // guarded by probeLock

    private LayerMount(Path mountpoint, LayerFilesystem filesystem, CompletableFuture<Integer> loopStatus) {
        this.mountpoint = mountpoint;
        this.filesystem = filesystem;
        this.loopStatus = loopStatus;
    }

    /** As {@link #mount(Path, LayerFilesystem, Duration)} with {@link #MOUNT_TIMEOUT}. */
    public static LayerMount mount(Path mountpoint, LayerFilesystem filesystem) throws IOException {
        return mount(mountpoint, filesystem, MOUNT_TIMEOUT);
    }

    /**
     * Mounts {@code filesystem} on {@code mountpoint}, an existing empty directory that is not a
     * mount point, and returns once {@code /proc/self/mountinfo} shows the mount.
     *
     * @throws IOException if the directory is unsuitable, libfuse's loop ends first (libfuse
     *     writes why to standard error), or the mount does not appear within {@code timeout}; what
     *     was started is stopped again
     */
    public static LayerMount mount(Path mountpoint, LayerFilesystem filesystem, Duration timeout) throws IOException {
        Objects.requireNonNull(filesystem, "filesystem");
        Path target = mountpoint.toAbsolutePath().normalize();
        checkMountpoint(target);
        String options = options(filesystem.layer());
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("estargz-fuse " + target).start(() -> {
            try {
                status.complete(filesystem.serve(target, options));
            } catch (Throwable t) {
                status.completeExceptionally(t);
            }
        });
        LayerMount mount = new LayerMount(target, filesystem, status);
        try {
            mount.awaitMounted(timeout);
        } catch (IOException e) {
            try {
                mount.close();
            } catch (IOException | RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return mount;
    }

    /** libfuse's {@code -o} options for the layer {@code layer}. */
    static String options(Digest layer) {
        return String.join(",", "ro", "allow_other", "default_permissions", "use_ino", "kernel_cache",
                "entry_timeout=3600", "attr_timeout=3600", "negative_timeout=3600", "max_read=131072",
                "fsname=estargz:" + layer.hex().substring(0, 12), "subtype=estargz");
    }

    /** Whether {@code path} is a mount point, from {@code /proc/self/mountinfo} (no file system is touched). */
    public static boolean isMounted(Path path) throws IOException {
        return MountTable.isMountPoint(path);
    }

    public Path mountpoint() {
        return mountpoint;
    }

    public LayerFilesystem filesystem() {
        return filesystem;
    }

    /** As {@link #healthy(Duration)} with {@link #HEALTH_TIMEOUT}. */
    public boolean healthy() {
        return healthy(HEALTH_TIMEOUT);
    }

    /**
     * Whether the mount still answers: open, libfuse's loop running, still a mount point, and its
     * root stats and lists within {@code deadline}. The listing is what proves the loop answers,
     * since the kernel may answer a stat from its attribute cache. The probe runs on a platform
     * thread so that a hung mount cannot block the caller; while a probe hangs, no second one is
     * started and every check waits at most {@code deadline} for it.
     */
    public boolean healthy(Duration deadline) {
        if (closed || loopStatus.isDone()) {
            return false;
        }
        try {
            if (!MountTable.isMountPoint(mountpoint)) {
                return false;
            }
        } catch (IOException e) {
            return false;
        }
        CompletableFuture<Boolean> current = currentProbe();
        try {
            return current.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private CompletableFuture<Boolean> currentProbe() {
        synchronized (probeLock) {
            if (!probe.isDone()) {
                return probe;
            }
            CompletableFuture<Boolean> next = new CompletableFuture<>();
            Thread.ofPlatform().daemon().name("estargz-health " + mountpoint).start(() -> {
                try {
                    Files.readAttributes(mountpoint, BasicFileAttributes.class);
                    try (DirectoryStream<Path> names = Files.newDirectoryStream(mountpoint)) {
                        names.iterator().hasNext();
                    }
                    next.complete(true);
                } catch (IOException | RuntimeException e) {
                    next.complete(false);
                }
            });
            probe = next;
            return next;
        }
    }

    /**
     * Unmounts (lazily if the mount is busy: it leaves the mount table at once, and libfuse's loop
     * goes on serving files still open on it until the last one closes) and waits a bounded time
     * for the loop to end. Idempotent: a later call retries what is left.
     *
     * @throws IOException if the directory is still a mount point
     */
    @Override
    public synchronized void close() throws IOException {
        closed = true;
        IOException failure = null;
        try {
            FuseUnmount.unmount(mountpoint, COMMAND_TIMEOUT);
        } catch (IOException e) {
            failure = e;
        }
        awaitLoopExit();
        if (MountTable.isMountPoint(mountpoint)) {
            IOException stillMounted = new IOException(mountpoint + " is still mounted after close; unmount it"
                    + " with `fusermount -u -z " + mountpoint + "`");
            if (failure != null) {
                stillMounted.addSuppressed(failure);
            }
            throw stillMounted;
        }
    }

    private void awaitLoopExit() {
        try {
            int status = loopStatus.get(LOOP_EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (status != 0) {
                LOG.warn("layer {}: libfuse's loop for {} ended with status {}", filesystem.layer(), mountpoint,
                        status);
            }
        } catch (TimeoutException e) {
            LOG.warn("layer {}: {} is unmounted, but libfuse's loop still serves files open on it;"
                    + " it ends when they are closed", filesystem.layer(), mountpoint);
        } catch (ExecutionException e) {
            LOG.warn("layer {}: libfuse's loop for {} failed", filesystem.layer(), mountpoint, e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitMounted(Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!MountTable.isMountPoint(mountpoint)) {
            if (loopStatus.isDone()) {
                throw new IOException("could not mount layer " + filesystem.layer() + " on " + mountpoint
                        + ": libfuse's loop ended (" + describe(loopStatus) + ") before the mount appeared;"
                        + " libfuse wrote why to standard error");
            }
            if (System.nanoTime() - deadline > 0) {
                throw new IOException("could not mount layer " + filesystem.layer() + " on " + mountpoint
                        + ": the mount did not appear within " + timeout);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the mount on " + mountpoint, e);
            }
        }
    }

    private static String describe(CompletableFuture<Integer> status) {
        return status.handle((code, failure) -> failure == null ? "status " + code : failure.toString()).join();
    }

    private static void checkMountpoint(Path target) throws IOException {
        if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("mount point " + target + " is not a directory");
        }
        if (MountTable.isMountPoint(target)) {
            throw new IOException(target + " is already a mount point; unmount it first");
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(target)) {
            if (names.iterator().hasNext()) {
                throw new IOException("mount point " + target + " is not empty");
            }
        }
    }
}
