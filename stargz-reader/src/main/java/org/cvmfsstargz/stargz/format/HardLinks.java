package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CONFLICTING_ENTRY;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.HARDLINK_CYCLE;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.HARDLINK_TARGET_MISSING;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.INVALID_NAME;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * The hard links of a TOC, kept by target path until every entry is known, then resolved to the
 * node they share (following links to links, so a target may come later in the TOC than its
 * link). A link that comes after its target gives the shared node its own owner, mode, time and
 * xattrs, in TOC order, because that is what unpacking the layer's tar does. Build-time only; not thread-safe.
 */
final class HardLinks {
    private record Pending(int node, String name, byte[][] target) {
    }

    private final List<Pending> pending = new ArrayList<>();

    void add(int node, String name, byte[][] target) throws CorruptLayerException {
        if (target.length == 0) {
            throw CorruptLayerException.forEntry(INVALID_NAME, name, "hard link without a target");
        }
        pending.add(new Pending(node, name, target));
    }

    /**
     * Points every hard-link node at its final, non-link target. Each link is followed once: a walk
     * stops at a link already resolved and takes its target, and every link it passed through gets
     * that target too, so k links cost O(k) steps however they chain (a chain of k links each to
     * the previous one cost k squared steps when each was followed from its start).
     */
    void resolve(Nodes.Builder nodes, TocDeadline deadline) throws CorruptLayerException {
        int[] direct = new int[pending.size()];
        for (int i = 0; i < direct.length; i++) {
            Pending link = pending.get(i);
            direct[i] = find(nodes, link.target());
            if (direct[i] == Nodes.NONE) {
                throw CorruptLayerException.forEntry(HARDLINK_TARGET_MISSING, link.name(), "no entry '"
                        + String.join("/", segmentStrings(link.target())) + "' to link to");
            }
            deadline.step();
        }
        for (int i = 0; i < direct.length; i++) {
            nodes.link(pending.get(i).node(), direct[i]);
        }
        BitSet resolved = new BitSet();
        BitSet onWalk = new BitSet();
        IntList walk = new IntList();
        for (Pending link : pending) {
            int target = link.node();
            while (nodes.type(target) == EntryType.HARDLINK && !resolved.get(target)) {
                if (onWalk.get(target)) {
                    throw CorruptLayerException.forEntry(HARDLINK_CYCLE, link.name(),
                            "hard links lead back to each other");
                }
                onWalk.set(target);
                walk.add(target);
                target = nodes.link(target);
                deadline.step();
            }
            if (nodes.type(target) == EntryType.HARDLINK) {
                target = nodes.link(target); // resolved already, to a node that is no link
            }
            if (nodes.type(target) == EntryType.DIR) {
                throw CorruptLayerException.forEntry(CONFLICTING_ENTRY, link.name(),
                        "a hard link to directory '" + nodes.path(target) + "'");
            }
            for (int j = 0; j < walk.size(); j++) {
                nodes.link(walk.get(j), target);
                resolved.set(walk.get(j));
                onWalk.clear(walk.get(j));
            }
            walk.clear();
        }
        for (Pending link : pending) {
            int target = nodes.link(link.node());
            if (link.node() > target) { // in tar order, the header unpacked last wins
                nodes.applyLinkHeader(link.node(), target);
            }
        }
    }

    /** A growable list of ints, so a walk through a million links boxes none of them. */
    private static final class IntList {
        private int[] values = new int[16];
        private int size;

        void add(int value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int get(int index) {
            return values[index];
        }

        int size() {
            return size;
        }

        void clear() {
            size = 0;
        }
    }

    /** The node at {@code path}, through directories only, or {@link Nodes#NONE}. */
    private static int find(Nodes.Builder nodes, byte[][] path) {
        int node = Nodes.ROOT;
        for (byte[] segment : path) {
            if (nodes.type(node) != EntryType.DIR) {
                return Nodes.NONE;
            }
            int nameId = nodes.names.find(segment);
            node = nameId < 0 ? Nodes.NONE : nodes.find(node, nameId);
            if (node == Nodes.NONE) {
                return Nodes.NONE;
            }
        }
        return node;
    }

    private static List<String> segmentStrings(byte[][] path) {
        List<String> strings = new ArrayList<>();
        for (byte[] segment : path) {
            strings.add(new String(segment, java.nio.charset.StandardCharsets.UTF_8));
        }
        return strings;
    }
}
