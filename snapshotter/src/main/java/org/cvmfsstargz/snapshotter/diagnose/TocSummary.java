package org.cvmfsstargz.snapshotter.diagnose;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import org.cvmfsstargz.stargz.format.DirectoryEntry;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.Toc;

/**
 * What an eStargz layer's TOC holds, in figures: entries by type (the root and the prefetch
 * landmark not counted; a hard link counted once as a link, its target once as a file), chunks
 * and bytes of the regular files, the TOC's own size, and what its landmark says about
 * prefetching. Immutable.
 *
 * @param files              regular files (distinct inodes)
 * @param dirs               directories, implied ones included, the root excluded
 * @param symlinks           symbolic links
 * @param hardLinks          names that are hard links to an entry counted already
 * @param others             devices and FIFOs
 * @param chunks             the chunks of the regular files
 * @param uncompressedBytes  the regular files' sizes added up
 * @param tocCompressedBytes the TOC section of the blob (its gzip member), as fetched
 * @param tocJsonBytes       the TOC JSON, uncompressed
 * @param prefetch           what the landmark says
 */
public record TocSummary(long files, long dirs, long symlinks, long hardLinks, long others, long chunks,
        long uncompressedBytes, long tocCompressedBytes, long tocJsonBytes, Prefetch prefetch) {

    /** The landmark as {@code inspect} names it: {@code .prefetch.landmark}, {@code .no.prefetch.landmark} or {@code none}. */
    public String landmark() {
        return switch (prefetch) {
            case Prefetch.UpTo upTo -> Prefetch.LANDMARK;
            case Prefetch.Nothing nothing -> Prefetch.NO_PREFETCH_LANDMARK;
            case Prefetch.Unmarked unmarked -> "none";
        };
    }

    /** The blob bytes the landmark prioritizes (fetched first on mount), when it marks any. */
    public OptionalLong prioritizedBytes() {
        return prefetch instanceof Prefetch.UpTo upTo ? OptionalLong.of(upTo.end()) : OptionalLong.empty();
    }

    /** Counts {@code toc}'s entries by walking its tree from the root. */
    public static TocSummary of(Toc toc, TocSizes sizes) {
        long files = 0;
        long dirs = 0;
        long symlinks = 0;
        long hardLinks = 0;
        long others = 0;
        long chunks = 0;
        long bytes = 0;
        Set<Long> seen = new HashSet<>();
        Deque<Long> pending = new ArrayDeque<>();
        pending.push(Toc.ROOT_INODE);
        while (!pending.isEmpty()) {
            long dir = pending.pop();
            for (DirectoryEntry child : toc.children(dir)) {
                if (dir == Toc.ROOT_INODE && Prefetch.isLandmark(child.name())) {
                    continue;
                }
                if (child.type() == EntryType.DIR) {
                    dirs++;
                    pending.push(child.inode());
                } else if (!seen.add(child.inode())) {
                    hardLinks++;
                } else if (child.type() == EntryType.REG) {
                    files++;
                    chunks += toc.chunks(child.inode()).size();
                    bytes += toc.entry(child.inode()).orElseThrow().size();
                } else if (child.type() == EntryType.SYMLINK) {
                    symlinks++;
                } else {
                    others++;
                }
            }
        }
        return new TocSummary(files, dirs, symlinks, hardLinks, others, chunks, bytes, sizes.compressed(),
                sizes.json(), toc.prefetch());
    }
}
