package org.cvmfsstargz.stargz.format;

import java.util.Map;

/**
 * One TOC entry exactly as the JSON spelled it, before any convention or check is applied. The
 * parser refills a single instance per entry, so no per-entry object outlives the parse.
 * Absent keys keep the JSON defaults of the reference writer: 0 and null. Not thread-safe.
 */
final class RawEntry {
    int index;
    String name;
    /** The entry's type; null if the key is absent or names no type, then {@link #type} has its text. */
    EntryType entryType;
    String type;
    long size;
    long modTime;
    String linkName;
    long mode;
    long uid;
    long gid;
    String userName;
    String groupName;
    long offset;
    long innerOffset;
    long chunkOffset;
    long chunkSize;
    long devMajor;
    long devMinor;
    Map<String, byte[]> xattrs;
    /** {@code chunkDigest} decoded: valid when {@link #hasDigest}; refilled, never replaced. */
    final byte[] digest = new byte[32];
    boolean hasDigest;
    /** The {@code chunkDigest} text, kept only when it is not {@code sha256:} and 64 lowercase hex digits. */
    String badDigest;

    void reset(int entryIndex) {
        index = entryIndex;
        name = null;
        entryType = null;
        type = null;
        size = 0;
        modTime = 0;
        linkName = null;
        mode = 0;
        uid = 0;
        gid = 0;
        userName = null;
        groupName = null;
        offset = 0;
        innerOffset = 0;
        chunkOffset = 0;
        chunkSize = 0;
        devMajor = 0;
        devMinor = 0;
        xattrs = null;
        hasDigest = false;
        badDigest = null;
    }

    /** The entry's name for a message: its TOC name, or its position if the name is not known yet. */
    String label() {
        return name != null ? name : "#" + index;
    }
}
