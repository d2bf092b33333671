package org.cvmfsstargz.stargz.fuse;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@code stat(2)} shows of one {@link LayerNode}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param inode the stable inode number; hard links share it
 * @param mode the file type bits ({@code S_IFDIR}, {@code S_IFREG}, ...) or'ed with the
 *     permission, setuid, setgid and sticky bits
 * @param nlink the link count, at least 1
 * @param uid the owner, 0 to 2^32-1
 * @param gid the group, 0 to 2^32-1
 * @param size bytes of a regular file, length of a symlink's target, else 0
 * @param modTime the modification time; a layer records nothing else, so it also serves as
 *     access and change time
 * @param rdev the device number of a character or block device in glibc's {@code makedev}
 *     encoding, else 0
 */
public record NodeAttributes(long inode, int mode, int nlink, long uid, long gid, long size, Instant modTime,
        long rdev) {
    /** {@code S_IFMT}: the file type bits of {@link #mode}. */
    public static final int TYPE_MASK = 0170000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;
    private static final long MAX_ID = 0xffff_ffffL;

    public NodeAttributes {
        Objects.requireNonNull(modTime, "modTime");
        if (inode < 1 || nlink < 1 || size < 0 || uid < 0 || uid > MAX_ID || gid < 0 || gid > MAX_ID
                || (mode & TYPE_MASK) == 0 || (mode & ~(TYPE_MASK | 07777)) != 0) {
            throw new IllegalArgumentException("invalid attributes: inode " + inode + ", mode 0"
                    + Integer.toOctalString(mode) + ", nlink " + nlink + ", size " + size + ", uid " + uid
                    + ", gid " + gid);
        }
    }

    /** {@code st_blocks}: the size in 512-byte units, rounded up, as {@code du} counts it. */
    public long blocks() {
        return (size + 511) / 512;
    }

    /** The permission, setuid, setgid and sticky bits. */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isDirectory() {
        return (mode & TYPE_MASK) == S_IFDIR;
    }

    /**
     * glibc's {@code makedev}: the 64-bit {@code dev_t} of a device. For majors below 4096 and
     * minors below 2^20 it fits the 32 bits libfuse 2 hands the kernel, which decodes it with
     * {@code new_decode_dev}.
     */
    public static long makedev(long major, long minor) {
        return ((major & 0xffff_f000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffff_ff00L) << 12) | (minor & 0xffL);
    }
}
