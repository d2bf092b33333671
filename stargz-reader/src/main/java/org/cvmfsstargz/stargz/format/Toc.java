package org.cvmfsstargz.stargz.format;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The index of one layer built from its verified TOC: every path, its attributes and its chunks,
 * addressed by inode number the way a FUSE filesystem asks. Inode numbers are stable: the same TOC
 * always gives the same numbers ({@link #ROOT_INODE} for the root, then in TOC order, implied
 * directories where their first descendant appears). Hard links share their target's inode.
 *
 * <p>Compact: parallel primitive arrays and one pool of name bytes, about 100 to 120 bytes per TOC
 * entry (300,000 entries: about 30 MiB, see {@code TocMemoryTest}); {@link TocEntry}, {@link Chunk} and
 * {@link DirectoryEntry} records are created per call. Built by {@link TocReader}. Immutable and
 * thread-safe; holds no resources, nothing to close.
 */
public final class Toc {
    /** The root directory's inode, as FUSE numbers it. */
    public static final long ROOT_INODE = 1;

    private final Nodes nodes;
    private final ChunkTable chunks;
    private final Prefetch prefetch;
    private final Digest digest;

    Toc(Nodes nodes, ChunkTable chunks, Prefetch prefetch, Digest digest) {
        this.nodes = nodes;
        this.chunks = chunks;
        this.prefetch = prefetch;
        this.digest = Objects.requireNonNull(digest, "digest");
    }

    /** The sha256 of the uncompressed TOC JSON, as the {@code toc.digest} annotation gives it. */
    public Digest digest() {
        return digest;
    }

    /** What the layer's landmark says about prefetching. */
    public Prefetch prefetch() {
        return prefetch;
    }

    /** How many names the index holds: files, directories (implied ones included), links, the root. */
    public int nameCount() {
        return nodes.count();
    }

    /** How many chunks all regular files have together. */
    public int chunkCount() {
        return chunks.count();
    }

    /**
     * About how many bytes of heap this index holds (its arrays exactly, its few small objects
     * estimated): what keeping it costs, for a caller that bounds how many it keeps.
     */
    public long retainedBytes() {
        return nodes.retainedBytes() + chunks.retainedBytes() + 64;
    }

    /** The heap an array of {@code length} elements of {@code width} bytes takes: a 16-byte header, 8-byte aligned. */
    static long arrayBytes(int length, int width) {
        return (16 + (long) length * width + 7) & ~7L;
    }

    public TocEntry root() {
        return entry(Nodes.ROOT);
    }

    /** The entry with inode number {@code inode}, if there is one. */
    public Optional<TocEntry> entry(long inode) {
        int node = node(inode);
        return node == Nodes.NONE ? Optional.empty() : Optional.of(entry(node));
    }

    /**
     * The entry at {@code path} (normalised like TOC names: {@code ./a}, {@code /a} and {@code a}
     * are the same; "" is the root), hard links resolved. Empty if there is none, or if the path
     * holds {@code ..} or passes through a non-directory.
     */
    public Optional<TocEntry> lookup(String path) {
        byte[][] segments;
        try {
            segments = TocPaths.segments(path, Integer.MAX_VALUE, path);
        } catch (CorruptLayerException e) {
            return Optional.empty();
        }
        int node = Nodes.ROOT;
        for (byte[] segment : segments) {
            if (nodes.types[node] != EntryType.DIR.ordinal()) {
                return Optional.empty();
            }
            node = nodes.find(node, segment);
            if (node == Nodes.NONE) {
                return Optional.empty();
            }
            node = nodes.resolve(node);
        }
        return Optional.of(entry(node));
    }

    /** The entry named {@code name} in directory {@code parentInode}, hard links resolved. */
    public Optional<TocEntry> lookup(long parentInode, String name) {
        int parent = node(parentInode);
        if (parent == Nodes.NONE || nodes.types[parent] != EntryType.DIR.ordinal()) {
            return Optional.empty();
        }
        int node = nodes.find(parent, name.getBytes(StandardCharsets.UTF_8));
        return node == Nodes.NONE ? Optional.empty() : Optional.of(entry(nodes.resolve(node)));
    }

    /** The names in directory {@code inode} in TOC order; empty if it is not a directory. */
    public List<DirectoryEntry> children(long inode) {
        int node = node(inode);
        if (node == Nodes.NONE) {
            return List.of();
        }
        List<DirectoryEntry> list = new ArrayList<>(nodes.childStarts[node + 1] - nodes.childStarts[node]);
        for (int i = nodes.childStarts[node]; i < nodes.childStarts[node + 1]; i++) {
            int child = nodes.children[i];
            int target = nodes.resolve(child);
            list.add(new DirectoryEntry(nodes.names.string(nodes.nameIds[child]), target + 1L, nodes.type(target)));
        }
        return Collections.unmodifiableList(list);
    }

    /** The chunks of regular file {@code inode} in file order; empty for an empty file or another type. */
    public List<Chunk> chunks(long inode) {
        int node = node(inode);
        if (node == Nodes.NONE) {
            return List.of();
        }
        List<Chunk> list = new ArrayList<>();
        for (int i = nodes.chunkStarts[node]; i < nodes.chunkStarts[node + 1]; i++) {
            list.add(chunk(node, i));
        }
        return Collections.unmodifiableList(list);
    }

    /** The chunk of regular file {@code inode} holding file offset {@code fileOffset}, if any. */
    public Optional<Chunk> chunkAt(long inode, long fileOffset) {
        int node = node(inode);
        if (node == Nodes.NONE || fileOffset < 0 || fileOffset >= nodes.sizes[node]) {
            return Optional.empty();
        }
        int low = nodes.chunkStarts[node];
        int high = nodes.chunkStarts[node + 1] - 1;
        while (low < high) { // last chunk starting at or before fileOffset
            int mid = (low + high + 1) >>> 1;
            if (chunks.chunkOffset(mid) <= fileOffset) {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        return low <= high ? Optional.of(chunk(node, low)) : Optional.empty();
    }

    /** The extended attributes of {@code inode} (values decoded from the TOC's base64), name order kept. */
    public Map<String, byte[]> xattrs(long inode) {
        int node = node(inode);
        Map<String, byte[]> stored = node == Nodes.NONE ? null : nodes.xattrs.get(node);
        if (stored == null) {
            return Map.of();
        }
        Map<String, byte[]> copy = new LinkedHashMap<>();
        stored.forEach((name, value) -> copy.put(name, value.clone()));
        return Collections.unmodifiableMap(copy);
    }

    private Chunk chunk(int node, int i) {
        long end = i + 1 < nodes.chunkStarts[node + 1] ? chunks.chunkOffset(i + 1) : nodes.sizes[node];
        return chunks.chunk(i, end);
    }

    /** The node of {@code inode}, or NONE if out of range or a hard-link name (which has no inode of its own). */
    private int node(long inode) {
        if (inode < ROOT_INODE || inode > nodes.count()) {
            return Nodes.NONE;
        }
        int node = (int) (inode - 1);
        return nodes.types[node] == EntryType.HARDLINK.ordinal() ? Nodes.NONE : node;
    }

    private TocEntry entry(int node) {
        Attributes attrs = nodes.attributes[nodes.attrIds[node]];
        EntryType type = nodes.type(node);
        Optional<String> target = type == EntryType.SYMLINK
                ? Optional.of(nodes.linkTargets.string(nodes.links[node])) : Optional.empty();
        boolean device = type == EntryType.CHAR || type == EntryType.BLOCK;
        long rdev = device ? nodes.devices[nodes.links[node]] : 0;
        return new TocEntry(node + 1L, nodes.path(node), type, attrs.mode(), attrs.uid(), attrs.gid(),
                attrs.userName(), attrs.groupName(), nodes.sizes[node], Instant.ofEpochSecond(nodes.modTimes[node]),
                target, (int) (rdev >>> 32), (int) rdev, nodes.linkCounts[node]);
    }
}
