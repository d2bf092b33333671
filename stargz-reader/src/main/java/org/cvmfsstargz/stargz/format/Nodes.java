package org.cvmfsstargz.stargz.format;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The names of a layer (files, directories, links, devices, and hard-link names) as parallel
 * primitive arrays indexed by node number, plus a directory index: children of each node in TOC
 * order, and an open-addressing hash table from (parent, name) to node that stores node numbers
 * only. About 60 bytes per node plus its name's bytes.
 *
 * <p>Node 0 is the root. The {@code links} slot means, by type: symlink target id, hard-link
 * target node, device index; otherwise 0. Immutable and thread-safe once built.
 */
final class Nodes {
    static final int ROOT = 0;
    static final int NONE = -1;

    final NamePool names;
    final NamePool linkTargets;
    final int[] parents;
    final int[] nameIds;
    final byte[] types;
    final int[] attrIds;
    final long[] sizes;
    final long[] modTimes;
    final int[] links;
    final int[] linkCounts;
    final int[] chunkStarts; // node n owns chunks [chunkStarts[n], chunkStarts[n + 1])
    final int[] childStarts; // node n's children are children[childStarts[n] .. childStarts[n + 1])
    final int[] children;
    final Attributes[] attributes;
    final long[] devices; // major << 32 | minor
    final Map<Integer, Map<String, byte[]>> xattrs;
    private final int[] table; // node + 1, 0 = free slot

    private Nodes(Builder b, int[] linkCounts, int[] childStarts, int[] children, int[] table) {
        int n = b.count;
        names = b.names.build();
        linkTargets = b.linkTargets.build();
        parents = Arrays.copyOf(b.parents, n);
        nameIds = Arrays.copyOf(b.nameIds, n);
        types = Arrays.copyOf(b.types, n);
        attrIds = Arrays.copyOf(b.attrIds, n);
        sizes = Arrays.copyOf(b.sizes, n);
        modTimes = Arrays.copyOf(b.modTimes, n);
        links = Arrays.copyOf(b.links, n);
        chunkStarts = Arrays.copyOf(b.chunkStarts, n + 1);
        attributes = b.attributeList.toArray(Attributes[]::new);
        devices = b.devices.stream().mapToLong(Long::longValue).toArray();
        xattrs = Map.copyOf(b.xattrs);
        this.linkCounts = linkCounts;
        this.childStarts = childStarts;
        this.children = children;
        this.table = table;
    }

    int count() {
        return parents.length;
    }

    /**
     * About the heap this index takes: its arrays and name pools exactly, the few shared
     * attribute records and extended attributes estimated.
     */
    long retainedBytes() {
        int n = parents.length;
        long arrays = 5 * Toc.arrayBytes(n, 4) + Toc.arrayBytes(n, 1) + 2 * Toc.arrayBytes(n, 8)
                + 2 * Toc.arrayBytes(n + 1, 4) + Toc.arrayBytes(children.length, 4) + Toc.arrayBytes(table.length, 4)
                + Toc.arrayBytes(devices.length, 8) + Toc.arrayBytes(attributes.length, 4);
        long attributeRecords = attributes.length * 96L;
        long xattrBytes = 0;
        for (Map<String, byte[]> values : xattrs.values()) {
            for (Map.Entry<String, byte[]> value : values.entrySet()) {
                xattrBytes += 96 + value.getKey().length() + Toc.arrayBytes(value.getValue().length, 1);
            }
        }
        return arrays + attributeRecords + xattrBytes + names.retainedBytes() + linkTargets.retainedBytes();
    }

    EntryType type(int node) {
        return EntryType.ofOrdinal(types[node]);
    }

    /** The child of {@code parent} named {@code utf8}, or {@link #NONE}; a hard link is not followed. */
    int find(int parent, byte[] utf8) {
        int mask = table.length - 1;
        int slot = slot(parent, NamePool.hash(utf8, 0, utf8.length), mask);
        for (int node; (node = table[slot] - 1) >= 0; slot = (slot + 1) & mask) {
            if (parents[node] == parent && names.contentEquals(nameIds[node], utf8)) {
                return node;
            }
        }
        return NONE;
    }

    /** A hard link's target, anything else itself. */
    int resolve(int node) {
        return types[node] == EntryType.HARDLINK.ordinal() ? links[node] : node;
    }

    String path(int node) {
        return path(node, parents, nameIds, names::string);
    }

    private static String path(int node, int[] parents, int[] nameIds, java.util.function.IntFunction<String> name) {
        if (node == ROOT) {
            return "";
        }
        StringBuilder path = new StringBuilder(name.apply(nameIds[node]));
        for (int p = parents[node]; p != ROOT; p = parents[p]) {
            path.insert(0, '/').insert(0, name.apply(nameIds[p]));
        }
        return path.toString();
    }

    private static int slot(int parent, int nameHash, int mask) {
        return NamePool.mix(parent * 0x9e3779b1 + nameHash) & mask;
    }

    /** Appends nodes in TOC order; not thread-safe. */
    static final class Builder {
        final NamePool.Builder names = new NamePool.Builder();
        final NamePool.Builder linkTargets = new NamePool.Builder();
        private int[] parents = new int[1 << 10];
        private int[] nameIds = new int[1 << 10];
        private byte[] types = new byte[1 << 10];
        private int[] attrIds = new int[1 << 10];
        private long[] sizes = new long[1 << 10];
        private long[] modTimes = new long[1 << 10];
        private int[] links = new int[1 << 10];
        private int[] chunkStarts = new int[(1 << 10) + 1];
        private int count;
        private int[] table = new int[1 << 10];
        private final List<Attributes> attributeList = new ArrayList<>();
        private final Map<Attributes, Integer> attributeIds = new HashMap<>();
        private Attributes lastAttributes;
        private int lastAttributeId;
        private final List<Long> devices = new ArrayList<>();
        private final Map<Integer, Map<String, byte[]>> xattrs = new HashMap<>();

        /** Starts with the root: an implied directory until the TOC defines it. */
        Builder() {
            names.intern(new byte[0]);
            add(NONE, 0, EntryType.DIR, Attributes.IMPLIED_DIRECTORY, 0, 0);
        }

        int count() {
            return count;
        }

        /** Appends a node; {@code firstChunk} is the index its chunks (if any) will start at. */
        int add(int parent, int nameId, EntryType type, Attributes attrs, long modTime, int firstChunk) {
            if (count == parents.length) {
                grow();
            }
            int node = count++;
            parents[node] = parent;
            nameIds[node] = nameId;
            types[node] = (byte) type.ordinal();
            attrIds[node] = attributeId(attrs);
            modTimes[node] = modTime;
            chunkStarts[node] = firstChunk;
            if (node != ROOT) {
                insert(node);
            }
            return node;
        }

        /** The child of {@code parent} whose name has id {@code nameId}, or {@link #NONE}. */
        int find(int parent, int nameId) {
            int mask = table.length - 1;
            for (int slot = slot(parent, names.hash(nameId), mask), node; (node = table[slot] - 1) >= 0;
                    slot = (slot + 1) & mask) {
                if (parents[node] == parent && nameIds[node] == nameId) {
                    return node;
                }
            }
            return NONE;
        }

        EntryType type(int node) {
            return EntryType.ofOrdinal(types[node]);
        }

        void redefine(int node, Attributes attrs, long modTime) {
            attrIds[node] = attributeId(attrs);
            modTimes[node] = modTime;
        }

        void size(int node, long size) {
            sizes[node] = size;
        }

        void link(int node, int value) {
            links[node] = value;
        }

        int link(int node) {
            return links[node];
        }

        void device(int node, long major, long minor) {
            links[node] = devices.size();
            devices.add(major << 32 | minor);
        }

        void xattrs(int node, Map<String, byte[]> values) {
            xattrs.put(node, values);
        }

        /**
         * Gives {@code target} the owner, mode, time and extended attributes of hard-link entry
         * {@code link}, as unpacking does: containerd links the name, then applies the link's own
         * tar header (chown, chmod, xattrs, times) to the inode both names share.
         */
        void applyLinkHeader(int link, int target) {
            attrIds[target] = attrIds[link];
            modTimes[target] = modTimes[link];
            Map<String, byte[]> linkXattrs = xattrs.get(link);
            if (linkXattrs != null) {
                Map<String, byte[]> merged = new java.util.LinkedHashMap<>(xattrs.getOrDefault(target, Map.of()));
                merged.putAll(linkXattrs);
                xattrs.put(target, merged);
            }
        }

        String path(int node) {
            return Nodes.path(node, parents, nameIds, names::string);
        }

        /**
         * The finished index, with link counts (2 plus subdirectories for a directory, 1 plus hard
         * links for anything else) and the children lists; call after every hard link is resolved.
         */
        Nodes build(int chunkCount) {
            chunkStarts[count] = chunkCount;
            int[] linkCounts = new int[count];
            int[] childStarts = new int[count + 1];
            for (int node = 0; node < count; node++) {
                linkCounts[node] = types[node] == EntryType.DIR.ordinal() ? 2 : 1;
            }
            for (int node = 1; node < count; node++) {
                childStarts[parents[node] + 1]++;
                if (types[node] == EntryType.DIR.ordinal()) {
                    linkCounts[parents[node]]++;
                } else if (types[node] == EntryType.HARDLINK.ordinal()) {
                    linkCounts[links[node]]++;
                }
            }
            for (int node = 0; node < count; node++) {
                childStarts[node + 1] += childStarts[node];
            }
            int[] children = new int[Math.max(0, count - 1)];
            int[] fill = Arrays.copyOf(childStarts, count);
            for (int node = 1; node < count; node++) {
                children[fill[parents[node]]++] = node;
            }
            int capacity = Integer.highestOneBit(Math.max(4, count * 4 / 3)) * 2;
            table = new int[capacity];
            for (int node = 1; node < count; node++) {
                insert(node);
            }
            return new Nodes(this, linkCounts, childStarts, children, table);
        }

        private void insert(int node) {
            if ((count + 1) * 4L > table.length * 3L) {
                int[] old = table;
                table = new int[old.length * 2];
                for (int entry : old) {
                    if (entry != 0) {
                        place(entry - 1);
                    }
                }
            }
            place(node);
        }

        private void place(int node) {
            int mask = table.length - 1;
            int slot = slot(parents[node], names.hash(nameIds[node]), mask);
            while (table[slot] != 0) {
                slot = (slot + 1) & mask;
            }
            table[slot] = node + 1;
        }

        private int attributeId(Attributes attrs) {
            if (attrs == lastAttributes) { // the builder hands the same record to consecutive entries
                return lastAttributeId;
            }
            Integer id = attributeIds.get(attrs);
            if (id == null) {
                id = attributeList.size();
                attributeList.add(attrs);
                attributeIds.put(attrs, id);
            }
            lastAttributes = attrs;
            lastAttributeId = id;
            return id;
        }

        private void grow() {
            int capacity = parents.length * 2;
            parents = Arrays.copyOf(parents, capacity);
            nameIds = Arrays.copyOf(nameIds, capacity);
            types = Arrays.copyOf(types, capacity);
            attrIds = Arrays.copyOf(attrIds, capacity);
            sizes = Arrays.copyOf(sizes, capacity);
            modTimes = Arrays.copyOf(modTimes, capacity);
            links = Arrays.copyOf(links, capacity);
            chunkStarts = Arrays.copyOf(chunkStarts, capacity + 1);
        }
    }
}
