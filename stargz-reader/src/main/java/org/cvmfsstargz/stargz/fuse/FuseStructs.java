package org.cvmfsstargz.stargz.fuse;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * Fills the C structs and buffers libfuse 2 hands a filesystem: {@code struct stat},
 * {@code struct statvfs}, the flag bits of {@code struct fuse_file_info}, NUL-terminated strings
 * and xattr answers. Stateless and thread-safe.
 */
final class FuseStructs {
    /** What the filesystem reports as its block size; only statfs and {@code st_blksize} use it. */
    static final int BLOCK_SIZE = 4096;
    static final int NAME_MAX = 255;
    private static final int ERANGE = ErrorCodes.ERANGE();
    private static final int O_ACCMODE = 03;
    private static final int O_RDONLY = 0;
    /**
     * Where libfuse 2.9's {@code fuse_file_info} keeps its bit fields on LP64: after
     * {@code int flags}, {@code unsigned long fh_old} and {@code int writepage}. jnr-fuse 0.5.8's
     * {@link FuseFileInfo} leaves {@code writepage} out, so its {@code keep_cache} field points at
     * a byte of {@code writepage} instead: the bits are written here by offset.
     */
    static final int BITFIELD_OFFSET = 20;
    /** {@code keep_cache} is the second bit, after {@code direct_io}. */
    static final int KEEP_CACHE_BIT = 1 << 1;

    private FuseStructs() {}

    static void fill(FileStat stat, NodeAttributes a) {
        stat.st_ino.set(a.inode());
        stat.st_mode.set(a.mode());
        stat.st_nlink.set(a.nlink());
        stat.st_uid.set(a.uid());
        stat.st_gid.set(a.gid());
        stat.st_rdev.set(a.rdev());
        stat.st_size.set(a.size());
        stat.st_blksize.set(BLOCK_SIZE);
        stat.st_blocks.set(a.blocks());
        // A layer records only mtime; showing it as atime and ctime beats the epoch.
        setTime(stat.st_atim, a.modTime());
        setTime(stat.st_mtim, a.modTime());
        setTime(stat.st_ctim, a.modTime());
    }

    /** What readdir needs of a name with {@code use_ino}: the inode and the type bits for {@code d_type}. */
    static void fillDirectoryEntry(FileStat stat, NodeAttributes a) {
        stat.st_ino.set(a.inode());
        stat.st_mode.set(a.mode());
    }

    static void fill(Statvfs stat, long fileBytes, long names) {
        long blocks = (fileBytes + BLOCK_SIZE - 1) / BLOCK_SIZE;
        stat.f_bsize.set(BLOCK_SIZE);
        stat.f_frsize.set(BLOCK_SIZE);
        stat.f_blocks.set(blocks);
        stat.f_bfree.set(0);
        stat.f_bavail.set(0);
        stat.f_files.set(names);
        stat.f_ffree.set(0);
        stat.f_favail.set(0);
        stat.f_namemax.set(NAME_MAX);
    }

    /** Whether the open asks for reading only, the one mode a layer allows. */
    static boolean readOnly(FuseFileInfo fi) {
        return (fi.flags.get() & O_ACCMODE) == O_RDONLY;
    }

    /**
     * Sets {@code keep_cache}: the kernel keeps the file's page cache across opens instead of
     * dropping it at each open, right for a layer whose bytes never change.
     */
    static void keepCache(FuseFileInfo fi) {
        jnr.ffi.Runtime runtime = fi.getRuntime();
        if (runtime.addressSize() != 8 || runtime.byteOrder() != ByteOrder.LITTLE_ENDIAN) {
            return; // another layout; the mount's kernel_cache option sets the same bit in libfuse
        }
        Pointer memory = Struct.getMemory(fi);
        memory.putByte(BITFIELD_OFFSET, (byte) (memory.getByte(BITFIELD_OFFSET) | KEEP_CACHE_BIT));
    }

    /** A NUL-terminated UTF-8 string. */
    static byte[] cString(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        return Arrays.copyOf(utf8, utf8.length + 1);
    }

    /** {@code text} as libfuse 2's readlink wants it: NUL-terminated, cut to fit {@code size} bytes. */
    static void putTruncated(Pointer buffer, long size, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int length = (int) Math.min(utf8.length, size - 1);
        buffer.put(0, utf8, 0, length);
        buffer.putByte(length, (byte) 0);
    }

    /**
     * getxattr's and listxattr's protocol: size 0 asks for the length, a buffer too small is
     * ERANGE, else the bytes are copied and their length returned.
     */
    static int answerXattr(byte[] bytes, Pointer buffer, long size) {
        if (size == 0) {
            return bytes.length;
        }
        if (size < bytes.length) {
            return -ERANGE;
        }
        buffer.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }

    private static void setTime(Timespec timespec, Instant time) {
        timespec.tv_sec.set(time.getEpochSecond());
        timespec.tv_nsec.set(time.getNano());
    }
}
