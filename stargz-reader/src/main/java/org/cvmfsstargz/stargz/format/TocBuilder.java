package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.ABSURD_SIZE;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CONFLICTING_ENTRY;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.DUPLICATE_ENTRY;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.INVALID_NAME;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_TOC;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.OFFSET_OUT_OF_BLOB;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_TOO_LARGE;

import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns TOC entries, one at a time in TOC order, into a {@link Toc}, applying the reference
 * reader's conventions and rejecting whatever an honest writer never produces. Holds build-time
 * tables (owner names seen so far, pending hard links) that the finished index drops.
 *
 * <p>Not thread-safe; one per TOC.
 */
final class TocBuilder {
    private static final long MAX_MODE = 07777777;
    private static final long MAX_ID = 0xffff_ffffL;

    private final TocLimits limits;
    private final long dataEnd;
    private final Nodes.Builder nodes = new Nodes.Builder();
    private final ChunkTable.Builder chunks;
    private final HardLinks hardLinks = new HardLinks();
    private final TocDeadline deadline;
    private final BitSet definedDirectories = new BitSet();
    private final OwnerNames users = new OwnerNames();
    private final OwnerNames groups = new OwnerNames();
    private Attributes lastAttributes;
    private int entries;
    /** The name being added, split in place; and the directory part of the last name whose parent was looked up. */
    private final TocPaths.Split path = new TocPaths.Split();
    private final TocPaths.Split cachedParentPath = new TocPaths.Split();
    private int cachedParent = Nodes.ROOT;
    private Prefetch prefetch = new Prefetch.Unmarked();

    /**
     * @param dataEnd the TOC offset: every payload lies before it
     */
    TocBuilder(TocLimits limits, long dataEnd) {
        this.limits = limits;
        this.dataEnd = dataEnd;
        this.deadline = new TocDeadline(limits.maxBuildTime());
        this.chunks = new ChunkTable.Builder(dataEnd, limits.maxChunkSize());
    }

    void add(RawEntry e) throws CorruptLayerException {
        if (++entries > limits.maxEntries()) {
            throw new CorruptLayerException(TOC_TOO_LARGE, "more than " + limits.maxEntries() + " entries");
        }
        deadline.step();
        EntryType type = e.entryType;
        if (type == null) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, e.label(), "unknown type '"
                    + CorruptLayerException.printable(String.valueOf(e.type)) + "'");
        }
        if (type == EntryType.CHUNK) {
            chunks.addChunk(e);
            return;
        }
        chunks.endFile();
        if (e.name == null) {
            throw CorruptLayerException.forEntry(INVALID_NAME, e.label(), "entry without a name");
        }
        Attributes attrs = attributes(e);
        path.fill(e.name, limits.maxPathBytes(), e.name);
        if (path.count() == 0) {
            defineRoot(e, type, attrs);
            return;
        }
        int parent = parentOf(e.name);
        int last = path.count() - 1;
        int nameId = nodes.names.intern(path.bytes(), path.start(last), path.end(last));
        int existing = nodes.find(parent, nameId);
        if (existing != Nodes.NONE) {
            redefine(existing, e, type, attrs);
            return;
        }
        int node = nodes.add(parent, nameId, type, attrs, e.modTime, chunks.count());
        describe(node, e, type);
        if (path.count() == 1 && type == EntryType.REG) {
            landmark(e, path.segmentString(0));
        }
    }

    Toc build(Digest digest) throws CorruptLayerException {
        chunks.endFile();
        deadline.check();
        hardLinks.resolve(nodes, deadline);
        deadline.check();
        ChunkTable chunkTable = chunks.build(nodes::path);
        return new Toc(nodes.build(chunkTable.count()), chunkTable, prefetch, digest);
    }

    private void describe(int node, RawEntry e, EntryType type) throws CorruptLayerException {
        switch (type) {
            case DIR -> definedDirectories.set(node);
            case REG -> regular(node, e);
            case SYMLINK -> {
                if (e.linkName == null || e.linkName.isEmpty()) {
                    throw CorruptLayerException.forEntry(INVALID_NAME, e.name, "symlink without a target");
                }
                TocPaths.requireValidTarget(e.linkName, limits.maxPathBytes(), e.name); // '..' is fine in a symlink
                nodes.link(node, nodes.linkTargets.intern(e.linkName));
            }
            case HARDLINK -> hardLinks.add(node, e.name, TocPaths.segments(
                    e.linkName == null ? "" : e.linkName, limits.maxPathBytes(), e.name));
            case CHAR, BLOCK -> {
                if (e.devMajor < 0 || e.devMajor > Integer.MAX_VALUE
                        || e.devMinor < 0 || e.devMinor > Integer.MAX_VALUE) {
                    throw CorruptLayerException.forEntry(ABSURD_SIZE, e.name, "device number out of range");
                }
                nodes.device(node, e.devMajor, e.devMinor);
            }
            case FIFO -> { }
            case CHUNK -> throw new IllegalStateException("chunks are not nodes");
        }
        if (e.xattrs != null && !e.xattrs.isEmpty()) {
            nodes.xattrs(node, e.xattrs);
        }
    }

    private void regular(int node, RawEntry e) throws CorruptLayerException {
        if (e.size < 0 || e.size > limits.maxFileSize()) {
            throw CorruptLayerException.forEntry(ABSURD_SIZE, e.name, "file size " + e.size
                    + " is outside [0, " + limits.maxFileSize() + "]");
        }
        nodes.size(node, e.size);
        if (e.size > 0) {
            chunks.startFile(node, e.size, e);
        }
    }

    /** A root-level regular file named like a landmark sets the prefetch range; its offset starts a member. */
    private void landmark(RawEntry e, String name) throws CorruptLayerException {
        if (!Prefetch.isLandmark(name)) {
            return;
        }
        if (e.offset < 0 || e.offset > dataEnd) {
            throw CorruptLayerException.forEntry(OFFSET_OUT_OF_BLOB, e.name, "landmark offset " + e.offset
                    + " is outside [0, " + dataEnd + "]");
        }
        if (name.equals(Prefetch.LANDMARK)) {
            prefetch = new Prefetch.UpTo(e.offset); // wins over the other landmark, as in the reference
        } else if (prefetch instanceof Prefetch.Unmarked) {
            prefetch = new Prefetch.Nothing();
        }
    }

    private void defineRoot(RawEntry e, EntryType type, Attributes attrs) throws CorruptLayerException {
        if (type != EntryType.DIR) {
            throw CorruptLayerException.forEntry(CONFLICTING_ENTRY, e.name, "the layer root must be a directory, not "
                    + type.tocName());
        }
        if (definedDirectories.get(Nodes.ROOT)) {
            throw CorruptLayerException.forEntry(DUPLICATE_ENTRY, e.name, "the root directory appears twice");
        }
        definedDirectories.set(Nodes.ROOT);
        nodes.redefine(Nodes.ROOT, attrs, e.modTime);
        if (e.xattrs != null && !e.xattrs.isEmpty()) {
            nodes.xattrs(Nodes.ROOT, e.xattrs);
        }
    }

    /** A second entry for an existing path: only a directory's definition after paths below it implied it is fine. */
    private void redefine(int node, RawEntry e, EntryType type, Attributes attrs) throws CorruptLayerException {
        boolean implied = nodes.type(node) == EntryType.DIR && !definedDirectories.get(node);
        if (!implied) {
            throw CorruptLayerException.forEntry(DUPLICATE_ENTRY, e.name, "the path appears twice (as "
                    + nodes.type(node).tocName() + " and as " + type.tocName() + ")");
        }
        if (type != EntryType.DIR) {
            throw CorruptLayerException.forEntry(CONFLICTING_ENTRY, e.name, "a " + type.tocName()
                    + " where earlier entries put a directory");
        }
        definedDirectories.set(node);
        nodes.redefine(node, attrs, e.modTime);
        if (e.xattrs != null && !e.xattrs.isEmpty()) {
            nodes.xattrs(node, e.xattrs);
        }
    }

    /** The directory holding the split {@link #path}, creating implied directories on the way. */
    private int parentOf(String name) throws CorruptLayerException {
        int depth = path.count() - 1;
        if (sameDirectory(depth)) {
            return cachedParent; // entries come in tar order: siblings follow each other
        }
        int directory = Nodes.ROOT;
        for (int i = 0; i < depth; i++) {
            int nameId = nodes.names.intern(path.bytes(), path.start(i), path.end(i));
            int child = nodes.find(directory, nameId);
            if (child == Nodes.NONE) {
                child = nodes.add(directory, nameId, EntryType.DIR, Attributes.IMPLIED_DIRECTORY, 0, chunks.count());
            } else if (nodes.type(child) != EntryType.DIR) {
                throw CorruptLayerException.forEntry(CONFLICTING_ENTRY, name, "'" + nodes.path(child) + "' is a "
                        + nodes.type(child).tocName() + ", not a directory");
            }
            directory = child;
        }
        cachedParentPath.copyPrefix(path, depth);
        cachedParent = directory;
        return directory;
    }

    private boolean sameDirectory(int depth) {
        if (depth != cachedParentPath.count()) {
            return false;
        }
        for (int i = depth - 1; i >= 0; i--) {
            if (!path.sameSegment(i, cachedParentPath, i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Mode, ids and names, with names carried forward by id as the reference writer omits repeats.
     * Consecutive entries mostly share them, so the previous record is reused when it matches.
     */
    private Attributes attributes(RawEntry e) throws CorruptLayerException {
        if (e.mode < 0 || e.mode > MAX_MODE || e.uid < 0 || e.uid > MAX_ID || e.gid < 0 || e.gid > MAX_ID) {
            throw CorruptLayerException.forEntry(ABSURD_SIZE, e.label(), "mode, uid or gid out of range");
        }
        String user = users.carried(e.uid, e.userName);
        String group = groups.carried(e.gid, e.groupName);
        Attributes last = lastAttributes;
        if (last != null && last.mode() == e.mode && last.uid() == e.uid && last.gid() == e.gid
                && Objects.equals(last.userName().orElse(null), user)
                && Objects.equals(last.groupName().orElse(null), group)) {
            return last;
        }
        lastAttributes = new Attributes((int) e.mode, e.uid, e.gid, Optional.ofNullable(user),
                Optional.ofNullable(group));
        return lastAttributes;
    }

    /** Owner names by id as seen so far; remembers the last lookup, since ids repeat entry after entry. */
    private static final class OwnerNames {
        private final Map<Long, String> seen = new HashMap<>();
        private long lastId = -1;
        private String lastName;

        /** {@code name} if the entry gives one (and remembered for {@code id}), else the one seen before. */
        String carried(long id, String name) {
            if (name != null && !name.isEmpty()) {
                if (id != lastId || !name.equals(lastName)) {
                    seen.put(id, name);
                    lastId = id;
                    lastName = name;
                }
                return name;
            }
            if (id != lastId) {
                lastId = id;
                lastName = seen.get(id);
            }
            return lastName;
        }
    }
}
