package org.cvmfsstargz.stargz.fuse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.DirectoryEntry;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;

/**
 * The view of a layer's {@link Toc} that overlayfs must see when the layer is one of its lower
 * directories, as the reference snapshotter presents it ({@code fs/layer/node.go}):
 * <ul>
 *   <li>a whiteout {@code .wh.<name>} is shown as {@code <name>}, a character device 0/0 owned by
 *       root with no permission bits, its inode the marker's (overlayfs tests only
 *       {@code S_ISCHR} and {@code rdev == 0}; mode 0 is what the reference and containerd's
 *       overlay converter give, and it cannot be opened by accident). A real {@code <name>} in the
 *       same directory wins and the whiteout is hidden;
 *   <li>{@code .wh..wh..opq} is hidden, and its directory answers the xattrs
 *       {@value #TRUSTED_OPAQUE} and {@value #USER_OPAQUE} (for {@code userxattr} overlay mounts)
 *       with {@code y};
 *   <li>every other name starting with {@code .wh.} is hidden, and so are the prefetch landmarks
 *       at the root.
 * </ul>
 * Inode numbers are the TOC's, so they are stable across mounts of the same TOC. Readdir order is
 * TOC order.
 *
 * <p>Pure: no I/O and no jnr types. Immutable and thread-safe; holds no resources.
 */
public final class LayerTree {
    /** The prefix of OCI whiteout names. */
    public static final String WHITEOUT_PREFIX = ".wh.";
    /** The name that makes its directory opaque. */
    public static final String OPAQUE_MARKER = ".wh..wh..opq";
    public static final String TRUSTED_OPAQUE = "trusted.overlay.opaque";
    public static final String USER_OPAQUE = "user.overlay.opaque";
    /** AUFS metadata names ({@code .wh..wh.opq}, {@code .wh..wh.plnk}): never shown. */
    private static final String META_PREFIX = ".wh..wh.";
    private static final byte[] OPAQUE_VALUE = "y".getBytes(StandardCharsets.US_ASCII);

    private final Toc toc;
    private final LayerNode root;
    private volatile Totals totals;

    public LayerTree(Toc toc) {
        this.toc = Objects.requireNonNull(toc, "toc");
        this.root = new LayerNode.Entry("", toc.root());
    }

    public Toc toc() {
        return toc;
    }

    public LayerNode root() {
        return root;
    }

    /** The node named {@code name} in directory {@code parentInode}; empty if absent or hidden. */
    public Optional<LayerNode> lookup(long parentInode, String name) {
        if (hidden(parentInode, name)) {
            return Optional.empty();
        }
        Optional<TocEntry> real = toc.lookup(parentInode, name);
        if (real.isPresent()) {
            return Optional.of(new LayerNode.Entry(name, real.get()));
        }
        return toc.lookup(parentInode, WHITEOUT_PREFIX + name).map(marker -> new LayerNode.Whiteout(name, marker));
    }

    /**
     * The node at {@code path}, walked from the root one name at a time as the kernel would look
     * it up: {@code /}, {@code ""} and {@code //} are the root, {@code /a/b} and {@code a/b/} the
     * same node. Empty if a name is absent or hidden, or a parent is not a directory.
     */
    public Optional<LayerNode> resolve(String path) {
        LayerNode node = root;
        int start = 0;
        int length = path.length();
        while (start < length) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = length;
            }
            if (end > start) {
                if (!node.isDirectory()) {
                    return Optional.empty();
                }
                Optional<LayerNode> child = lookup(node.inode(), path.substring(start, end));
                if (child.isEmpty()) {
                    return Optional.empty();
                }
                node = child.get();
            }
            start = end + 1;
        }
        return Optional.of(node);
    }

    /** What readdir lists in directory {@code dirInode}, in TOC order, without "." and "..". */
    public List<LayerNode> children(long dirInode) {
        List<DirectoryEntry> entries = toc.children(dirInode);
        List<LayerNode> nodes = new ArrayList<>(entries.size());
        for (DirectoryEntry child : entries) {
            String name = child.name();
            if (name.startsWith(META_PREFIX)) {
                continue;
            }
            if (name.startsWith(WHITEOUT_PREFIX)) {
                String deleted = name.substring(WHITEOUT_PREFIX.length());
                if (!hidden(dirInode, deleted) && toc.lookup(dirInode, deleted).isEmpty()) {
                    nodes.add(new LayerNode.Whiteout(deleted, entry(child)));
                }
            } else if (!hidden(dirInode, name)) {
                nodes.add(new LayerNode.Entry(name, entry(child)));
            }
        }
        return Collections.unmodifiableList(nodes);
    }

    /** What {@code stat(2)} shows of {@code node}. */
    public NodeAttributes attributes(LayerNode node) {
        return switch (node) {
            case LayerNode.Whiteout(var _, TocEntry marker) ->
                    new NodeAttributes(marker.inode(), NodeAttributes.S_IFCHR, 1, 0, 0, 0, marker.modTime(), 0);
            case LayerNode.Entry(var _, TocEntry e) -> new NodeAttributes(e.inode(),
                    typeBits(e.type()) | e.permissions(), Math.max(1, e.linkCount()), e.uid(), e.gid(), size(e),
                    e.modTime(), e.type() == EntryType.CHAR || e.type() == EntryType.BLOCK
                            ? NodeAttributes.makedev(Integer.toUnsignedLong(e.devMajor()),
                                    Integer.toUnsignedLong(e.devMinor())) : 0);
        };
    }

    /** Whether directory {@code dirInode} hides what lower layers have in it. */
    public boolean isOpaque(long dirInode) {
        return toc.lookup(dirInode, OPAQUE_MARKER).isPresent();
    }

    /** The value of extended attribute {@code name} of {@code node}, if it has one. */
    public Optional<byte[]> xattr(LayerNode node, String name) {
        if (!(node instanceof LayerNode.Entry(var _, TocEntry entry))) {
            return Optional.empty();
        }
        if ((TRUSTED_OPAQUE.equals(name) || USER_OPAQUE.equals(name)) && entry.type() == EntryType.DIR
                && isOpaque(entry.inode())) {
            return Optional.of(OPAQUE_VALUE.clone());
        }
        return Optional.ofNullable(toc.xattrs(entry.inode()).get(name));
    }

    /**
     * Every extended attribute of {@code node}, in TOC order, then the opaque ones if its
     * directory is opaque (these replace TOC values of the same names).
     */
    public Map<String, byte[]> xattrs(LayerNode node) {
        if (!(node instanceof LayerNode.Entry(var _, TocEntry entry))) {
            return Map.of();
        }
        Map<String, byte[]> all = new LinkedHashMap<>(toc.xattrs(entry.inode()));
        if (entry.type() == EntryType.DIR && isOpaque(entry.inode())) {
            all.put(TRUSTED_OPAQUE, OPAQUE_VALUE.clone());
            all.put(USER_OPAQUE, OPAQUE_VALUE.clone());
        }
        return Collections.unmodifiableMap(all);
    }

    /** The bytes of all regular files, each inode once; computed on first use (one pass over the TOC). */
    public long totalFileBytes() {
        return totals().fileBytes();
    }

    /** How many names the TOC holds, hidden ones included. */
    public int nameCount() {
        return toc.nameCount();
    }

    private Totals totals() {
        Totals known = totals;
        if (known == null) { // a racing second computation gives the same answer
            long bytes = 0;
            for (long inode = Toc.ROOT_INODE; inode <= toc.nameCount(); inode++) {
                Optional<TocEntry> entry = toc.entry(inode);
                if (entry.isPresent() && entry.get().type() == EntryType.REG) {
                    bytes += entry.get().size();
                }
            }
            known = new Totals(bytes);
            totals = known;
        }
        return known;
    }

    private static boolean hidden(long parentInode, String name) {
        return name.isEmpty() || name.equals(".") || name.equals("..") || name.indexOf('/') >= 0
                || name.startsWith(WHITEOUT_PREFIX) || (parentInode == Toc.ROOT_INODE && Prefetch.isLandmark(name));
    }

    private TocEntry entry(DirectoryEntry child) {
        return toc.entry(child.inode()).orElseThrow(() -> new IllegalStateException(
                "the TOC lists " + child.name() + " with inode " + child.inode() + " but has no such entry"));
    }

    private static long size(TocEntry entry) {
        return switch (entry.type()) {
            case REG -> entry.size();
            // POSIX: a symlink's size is the length of its target.
            case SYMLINK -> entry.linkTarget().map(t -> (long) t.getBytes(StandardCharsets.UTF_8).length).orElse(0L);
            default -> 0;
        };
    }

    private static int typeBits(EntryType type) {
        return switch (type) {
            case DIR -> NodeAttributes.S_IFDIR;
            case REG -> NodeAttributes.S_IFREG;
            case SYMLINK -> NodeAttributes.S_IFLNK;
            case CHAR -> NodeAttributes.S_IFCHR;
            case BLOCK -> NodeAttributes.S_IFBLK;
            case FIFO -> NodeAttributes.S_IFIFO;
            case HARDLINK, CHUNK -> throw new IllegalArgumentException("a TocEntry is never a " + type);
        };
    }

    private record Totals(long fileBytes) {
    }
}
