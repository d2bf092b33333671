package org.cvmfsstargz.stargz.format;

import java.util.Objects;

/**
 * One name in a directory, as readdir lists it. For a hard link, {@code name} is the link's own
 * name while {@code inode} and {@code type} are its target's.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name the last path segment
 * @param inode the inode the name leads to
 * @param type the type of that inode, never {@link EntryType#HARDLINK} or {@link EntryType#CHUNK}
 */
public record DirectoryEntry(String name, long inode, EntryType type) {
    public DirectoryEntry {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
    }
}
