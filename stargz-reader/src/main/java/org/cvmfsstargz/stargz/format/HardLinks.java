package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CONFLICTING_ENTRY;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.HARDLINK_CYCLE;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.HARDLINK_TARGET_MISSING;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.INVALID_NAME;

import java.util.ArrayList;
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

    /** Points every hard-link node at its final, non-link target. */
    void resolve(Nodes.Builder nodes) throws CorruptLayerException {
        int[] direct = new int[pending.size()];
        for (int i = 0; i < direct.length; i++) {
            Pending link = pending.get(i);
            direct[i] = find(nodes, link.target());
            if (direct[i] == Nodes.NONE) {
                throw CorruptLayerException.forEntry(HARDLINK_TARGET_MISSING, link.name(), "no entry '"
                        + String.join("/", segmentStrings(link.target())) + "' to link to");
            }
        }
        for (int i = 0; i < direct.length; i++) {
            nodes.link(pending.get(i).node(), direct[i]);
        }
        int[] resolved = new int[direct.length];
        for (int i = 0; i < direct.length; i++) {
            int target = direct[i];
            for (int steps = 0; nodes.type(target) == EntryType.HARDLINK; steps++) {
                if (steps > direct.length) {
                    throw CorruptLayerException.forEntry(HARDLINK_CYCLE, pending.get(i).name(),
                            "hard links lead back to each other");
                }
                target = nodes.link(target);
            }
            if (nodes.type(target) == EntryType.DIR) {
                throw CorruptLayerException.forEntry(CONFLICTING_ENTRY, pending.get(i).name(),
                        "a hard link to directory '" + nodes.path(target) + "'");
            }
            resolved[i] = target;
        }
        for (int i = 0; i < resolved.length; i++) {
            nodes.link(pending.get(i).node(), resolved[i]);
            if (pending.get(i).node() > resolved[i]) { // in tar order, the header unpacked last wins
                nodes.applyLinkHeader(pending.get(i).node(), resolved[i]);
            }
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
