package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes a directory's entries durable: the names created, renamed or deleted in it survive a power
 * loss. A rename is only durable once its parent is synced (rename(2) promises atomicity, not
 * durability), and the store's row naming the directory is durable at its commit: without the
 * sync, a power loss could keep the row and lose the rename, and the cleanup would then delete the
 * snapshot's content as a crash leftover. Stateless.
 */
@FunctionalInterface
interface DirectorySync {
    /** fsync(2) of the directory itself, as Linux allows through a read-only descriptor. */
    DirectorySync FSYNC = dir -> {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    };

    void sync(Path dir) throws IOException;
}
