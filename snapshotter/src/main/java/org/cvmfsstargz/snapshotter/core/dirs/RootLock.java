package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * An exclusive lock on {@code <root>/lock}, held for the daemon's life, so that two daemons
 * never share one root (and one metadata database). The kernel drops it when the process dies,
 * even by {@code kill -9}. Closed by the composition root at shutdown.
 */
public final class RootLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private RootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock, or fails at once with a message naming the root if another process holds it. */
    public static RootLock acquire(Path root) {
        Path file = root.resolve("lock");
        try {
            Files.createDirectories(root);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("root " + root + " is in use by another cvmfs-stargz-snapshotter"
                        + " (" + file + " is locked); stop that daemon or choose another root");
            }
            return new RootLock(channel, lock);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + file, e);
        }
    }

    /** Whether this process still holds the lock: {@link #close()} was not called yet. */
    public boolean held() {
        return channel.isOpen();
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release the root lock", e);
        }
    }
}
