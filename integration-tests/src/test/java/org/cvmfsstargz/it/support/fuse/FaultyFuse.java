package org.cvmfsstargz.it.support.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.Mounter;

/**
 * A FUSE mount that mirrors a backing directory read-only and fails or hangs chosen paths on
 * demand, standing in for a CVMFS repository whose server errors or stalls. Faults name a path
 * relative to the mount root ({@code "software/1.0"}; {@code ""} is the root itself) and cover
 * every operation on that path and below it, from the moment they are set: the mount asks the
 * kernel to cache no attributes, entries or negative lookups, so a lookup always reaches it.
 *
 * <p>A kernel quirk shapes hangs. Without FUSE_PARALLEL_DIROPS, which libfuse 2 cannot announce,
 * the kernel holds a directory's lock while it looks up a name in it for the first time, so a hung
 * first lookup of {@code dir/a} holds up first lookups of {@code dir/b}. Revalidating a name the
 * kernel already knows takes no lock. {@link #mount} therefore looks up the whole backing tree
 * once, which makes paths independent; what is added to the backing tree later, or a name whose
 * lookup failed since (the kernel forgets it), is a first lookup again.
 *
 * <p>Thread-safe: faults may change while other threads use the mount. The test that calls
 * {@link #mount} closes it; {@link #close()} first releases every hung operation, so a hang can
 * never keep the mount alive, and leaves nothing in /proc/self/mountinfo. Needs root, libfuse 2
 * and /dev/fuse.
 */
public final class FaultyFuse implements AutoCloseable {
    /** The longest an operation stays hung without {@link #release()}. */
    public static final Duration HANG_LIMIT = Duration.ofMinutes(2);
    /** Options for libfuse: read-only, no kernel caching of attributes, dentries or misses. */
    private static final String[] MOUNT_OPTIONS = {
        "-o", "ro,subtype=faultyfuse,attr_timeout=0,entry_timeout=0,negative_timeout=0,auto_unmount"};
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration LOOP_EXIT_TIMEOUT = Duration.ofSeconds(10);

    private final Path mountpoint;
    private final Faults faults;
    private final MirrorFs fs;
    private final Thread loop;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FaultyFuse(Path mountpoint, Faults faults, MirrorFs fs, Thread loop) {
        this.mountpoint = mountpoint;
        this.faults = faults;
        this.fs = fs;
        this.loop = loop;
    }

    /**
     * Mounts a mirror of {@code backingDir} on {@code mountpoint}, an existing directory that is
     * not yet a mount point, and returns once the kernel shows the mount. libfuse's request loop
     * runs multi-threaded on a thread of its own, so one hung path does not block the others.
     */
    public static FaultyFuse mount(Path mountpoint, Path backingDir) throws IOException {
        Path target = mountpoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(target)) {
            throw new IOException("mount point " + target + " is not a directory");
        }
        if (Mounter.isMountPoint(target)) {
            throw new IOException(target + " is already a mount point; unmount it first");
        }
        Faults faults = new Faults(HANG_LIMIT);
        MirrorFs fs = new MirrorFs(backingDir.toRealPath(), faults);
        AtomicReference<Throwable> loopFailure = new AtomicReference<>();
        Thread loop = Thread.ofPlatform().daemon().name("faulty-fuse " + target).start(() -> {
            try {
                fs.mount(target, true, false, MOUNT_OPTIONS);
            } catch (Throwable t) {
                loopFailure.set(t);
            }
        });
        FaultyFuse fuse = new FaultyFuse(target, faults, fs, loop);
        try {
            fuse.awaitMounted(loopFailure);
            try (Stream<Path> everything = Files.walk(target)) {
                everything.forEach(path -> {}); // a first lookup of every name: see the class comment
            }
        } catch (IOException | UncheckedIOException e) {
            IOException failure = new IOException("could not mount a mirror of " + backingDir + " on " + target, e);
            try {
                fuse.close();
            } catch (IOException | RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
            throw failure;
        }
        return fuse;
    }

    private void awaitMounted(AtomicReference<Throwable> loopFailure) throws IOException {
        long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
        while (!Mounter.isMountPoint(mountpoint)) {
            if (!loop.isAlive()) {
                throw new IOException("libfuse's loop ended before the mount appeared", loopFailure.get());
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the mount did not appear within " + MOUNT_TIMEOUT);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the mount", e);
            }
        }
    }

    public Path mountpoint() {
        return mountpoint;
    }

    /** Every operation on {@code relativePathPrefix} or below it fails with EIO until cleared. */
    public void failWithEio(String relativePathPrefix) {
        faults.failWithEio(relativePathPrefix);
    }

    /**
     * Every operation on {@code relativePathPrefix} or below it blocks until {@link #release()},
     * {@link #clearFaults()} or {@link #close()}. The calling process sees its system call hang.
     * After {@link #HANG_LIMIT} unreleased, a hung operation fails with EIO instead, so that a
     * test which hangs its own thread fails rather than stalls the build.
     */
    public void hang(String relativePathPrefix) {
        faults.hang(relativePathPrefix);
    }

    /** Drops every hang; blocked operations go on, and fail if an EIO fault covers them. */
    public void release() {
        faults.release();
    }

    /** Drops every fault, EIO and hang alike. */
    public void clearFaults() {
        faults.clear();
    }

    /** How many operations are blocked by a hang right now. */
    public int hungCalls() {
        return faults.hungCalls();
    }

    /**
     * Releases hung operations, unmounts and waits for libfuse's loop to end. A mount still in use
     * is detached lazily: it leaves the mount table at once, and the loop ends (and this returns)
     * once the last file open on it is closed. Idempotent.
     */
    @Override
    public void close() throws IOException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            fs.umount();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        } finally {
            try {
                loop.join(LOOP_EXIT_TIMEOUT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (Mounter.isMountPoint(mountpoint)) {
            throw new IOException(mountpoint + " is still mounted after close");
        }
        if (loop.isAlive()) {
            throw new IOException("libfuse's loop for " + mountpoint + " did not end within "
                    + LOOP_EXIT_TIMEOUT + " of unmounting: is a file on the mount still open?");
        }
    }
}
