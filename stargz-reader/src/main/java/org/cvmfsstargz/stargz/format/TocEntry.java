package org.cvmfsstargz.stargz.format;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One file, directory, link or device of a layer as its TOC describes it, with the reader's
 * conventions applied: missing {@code mode}/{@code uid}/{@code gid} are 0, owner names carried
 * forward by id, implied directories present (mode 0755, owner 0, time 0). A hard link is never an
 * entry of its own: looking up its path gives its target's entry (same inode, same
 * {@link #path()}).
 *
 * <p>Immutable and thread-safe; created on demand by {@link Toc}.
 *
 * @param inode the stable inode number, {@link Toc#ROOT_INODE} for the root
 * @param path the normalised path, without leading {@code /} or {@code ./}; "" for the root
 * @param type never {@link EntryType#HARDLINK} or {@link EntryType#CHUNK}
 * @param mode the tar mode bits as the TOC gives them (permissions, setuid/setgid/sticky)
 * @param uid the owner's user id, 0 to 2^32-1
 * @param gid the owner's group id, 0 to 2^32-1
 * @param userName the user name the TOC gave for this uid, on this entry or an earlier one
 * @param groupName the group name the TOC gave for this gid, on this entry or an earlier one
 * @param size the file size for {@link EntryType#REG}, 0 for every other type
 * @param modTime the modification time, whole seconds; the epoch when the TOC gives none
 * @param linkTarget the target of a {@link EntryType#SYMLINK}, as the TOC spells it
 * @param devMajor the device major number of a {@link EntryType#CHAR} or {@link EntryType#BLOCK}, else 0
 * @param devMinor the device minor number of a {@link EntryType#CHAR} or {@link EntryType#BLOCK}, else 0
 * @param linkCount the link count: 2 plus subdirectories for a directory, 1 plus hard links otherwise
 */
public record TocEntry(long inode, String path, EntryType type, int mode, long uid, long gid,
        Optional<String> userName, Optional<String> groupName, long size, Instant modTime,
        Optional<String> linkTarget, int devMajor, int devMinor, int linkCount) {
    public TocEntry {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(userName, "userName");
        Objects.requireNonNull(groupName, "groupName");
        Objects.requireNonNull(modTime, "modTime");
        Objects.requireNonNull(linkTarget, "linkTarget");
        if (inode < Toc.ROOT_INODE || type == EntryType.HARDLINK || type == EntryType.CHUNK || size < 0) {
            throw new IllegalArgumentException("invalid entry " + inode + " " + type + " size " + size);
        }
    }

    /** The last path segment; "" for the root. */
    public String name() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    /** The permission bits, {@code mode & 07777}. */
    public int permissions() {
        return mode & 07777;
    }
}
