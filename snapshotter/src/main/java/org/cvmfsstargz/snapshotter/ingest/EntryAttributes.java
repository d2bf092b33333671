package org.cvmfsstargz.snapshotter.ingest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;

/**
 * Applies a tar entry's owner, mode and modification time to the node unpacked from it, never
 * following a symbolic link. Order matters: {@code chown} clears setuid/setgid, so the mode comes
 * after it; the mode goes through the {@code unix:mode} attribute because
 * {@code PosixFilePermission} cannot express setuid, setgid or sticky.
 *
 * <p>Thread-safe; immutable.
 *
 * @param preserveOwners whether to set uid and gid (only root may give files away)
 */
record EntryAttributes(boolean preserveOwners) {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    /** Preserves owners exactly when this process runs as root. */
    static EntryAttributes forCurrentUser() {
        try {
            return new EntryAttributes(((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0);
        } catch (IOException | UnsupportedOperationException e) {
            return new EntryAttributes(false);
        }
    }

    /**
     * Sets owner, mode (except on symlinks, whose mode Linux ignores) and mtime of {@code path}.
     * What {@code path} is decides how, not the entry's type: a hardlink may name a symlink or a
     * device.
     */
    void apply(Path path, TarArchiveEntry entry) throws IOException {
        if (preserveOwners) {
            Files.setAttribute(path, "unix:gid", Math.toIntExact(entry.getLongGroupId()), NOFOLLOW);
            Files.setAttribute(path, "unix:uid", Math.toIntExact(entry.getLongUserId()), NOFOLLOW);
        }
        BasicFileAttributes node = Files.readAttributes(path, BasicFileAttributes.class, NOFOLLOW);
        if (node.isOther()) {
            // java.nio would open the node to change it: a FIFO blocks, a device may react.
            SpecialFiles.chmod(path, entry.getMode());
            Instant mtime = entry.getLastModifiedTime().toInstant();
            SpecialFiles.setMtime(path, mtime.getEpochSecond(), mtime.getNano());
            return;
        }
        if (!node.isSymbolicLink()) {
            Files.setAttribute(path, "unix:mode", entry.getMode() & 07777, NOFOLLOW);
        }
        setMtime(path, entry.getLastModifiedTime());
    }

    /** Sets the modification time of {@code path} itself (a symlink's own time, not its target's). */
    static void setMtime(Path path, FileTime mtime) throws IOException {
        Files.getFileAttributeView(path, BasicFileAttributeView.class, NOFOLLOW).setTimes(mtime, null, null);
    }
}
