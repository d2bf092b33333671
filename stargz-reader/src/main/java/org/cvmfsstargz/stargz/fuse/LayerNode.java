package org.cvmfsstargz.stargz.fuse;

import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.TocEntry;

/**
 * One name of a {@link LayerTree}: either an {@link Entry} of the TOC, or a {@link Whiteout} that
 * overlayfs must see as a character device 0/0. Obtained from the tree's lookups; attributes and
 * xattrs come from {@link LayerTree#attributes} and {@link LayerTree#xattr}.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface LayerNode permits LayerNode.Entry, LayerNode.Whiteout {
    /** The name in its directory; "" for the root. */
    String name();

    /** The stable inode number. */
    long inode();

    /** The TOC entry to read, if this is a regular file. */
    default Optional<TocEntry> regularFile() {
        return this instanceof Entry(var _, TocEntry entry) && entry.type() == EntryType.REG
                ? Optional.of(entry) : Optional.empty();
    }

    /** The symlink target, if this is a symlink. */
    default Optional<String> linkTarget() {
        return this instanceof Entry(var _, TocEntry entry) ? entry.linkTarget() : Optional.empty();
    }

    default boolean isDirectory() {
        return this instanceof Entry(var _, TocEntry entry) && entry.type() == EntryType.DIR;
    }

    /**
     * A name the TOC has. For a hard link, {@code name} is the link's own name and {@code entry}
     * its target's (same inode).
     */
    record Entry(String name, TocEntry entry) implements LayerNode {
        public Entry {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(entry, "entry");
        }

        @Override
        public long inode() {
            return entry.inode();
        }
    }

    /**
     * {@code name} deleted by this layer: the TOC has {@code .wh.<name>} ({@code marker}) and no
     * {@code <name>} in the same directory. Takes the marker's inode number.
     */
    record Whiteout(String name, TocEntry marker) implements LayerNode {
        public Whiteout {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(marker, "marker");
        }

        @Override
        public long inode() {
            return marker.inode();
        }
    }
}
