package org.cvmfsstargz.snapshotter.ingest;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.Path;

/**
 * Special files (character and block devices, FIFOs) through the FFM API: {@code mknod(2)}, which
 * {@code java.nio} lacks, and {@code fchmodat(2)}/{@code utimensat(2)}, because {@code java.nio}
 * sets modes and times by opening the file first, which blocks on a FIFO and may have side
 * effects on a device. None of these follows a symbolic link at the final component.
 *
 * <p>Thread-safe; stateless.
 */
final class SpecialFiles {
    static final int S_IFIFO = 0010000;
    static final int S_IFCHR = 0020000;
    static final int S_IFBLK = 0060000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int EPERM = 1;
    private static final int EEXIST = 17;

    private SpecialFiles() {}

    /** Creates the node {@code path} of type {@code type} (an {@code S_IF*}), permission bits {@code mode}. */
    static void create(Path path, int type, int mode, int major, int minor) throws IOException {
        int rc;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment name = arena.allocateFrom(path.toString());
            rc = (int) Native.MKNOD.invokeExact(state, name, type | (mode & 07777), makedev(major, minor));
            errno = (int) Native.ERRNO.get(state, 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mknod " + path + " failed", t);
        }
        check(rc, errno, "mknod", path);
        // mknod applies the umask; set the tar's permission bits exactly.
        chmod(path, mode);
    }

    /** {@code fchmodat(AT_FDCWD, path, mode)}, without opening the file. */
    static void chmod(Path path, int mode) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            int rc = (int) Native.FCHMODAT.invokeExact(state, AT_FDCWD, arena.allocateFrom(path.toString()),
                    mode & 07777, 0);
            check(rc, (int) Native.ERRNO.get(state, 0L), "chmod", path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("chmod " + path + " failed", t);
        }
    }

    /** Sets the mtime of {@code path} itself (never a symlink's target), leaving atime alone. */
    static void setMtime(Path path, long epochSecond, int nanos) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(Native.STATE);
            MemorySegment times = arena.allocate(JAVA_LONG, 4);
            times.setAtIndex(JAVA_LONG, 0, 0);
            times.setAtIndex(JAVA_LONG, 1, UTIME_OMIT);
            times.setAtIndex(JAVA_LONG, 2, epochSecond);
            times.setAtIndex(JAVA_LONG, 3, nanos);
            int rc = (int) Native.UTIMENSAT.invokeExact(state, AT_FDCWD, arena.allocateFrom(path.toString()),
                    times, AT_SYMLINK_NOFOLLOW);
            check(rc, (int) Native.ERRNO.get(state, 0L), "utimensat", path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("utimensat " + path + " failed", t);
        }
    }

    private static void check(int rc, int errno, String call, Path path) throws IOException {
        if (rc != 0) {
            String why = switch (errno) {
                case EPERM -> "operation not permitted (creating devices needs root or CAP_MKNOD)";
                case EEXIST -> "file exists";
                default -> "errno " + errno;
            };
            throw new IOException(call + " " + path + ": " + why);
        }
    }

    /** glibc's {@code makedev} encoding of a {@code dev_t}. */
    static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8)
                | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    /** Looked up on first use, so a JVM without native access only fails when a node is created. */
    private static final class Native {
        private static final Linker LINKER = Linker.nativeLinker();
        static final StructLayout STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
        static final MethodHandle MKNOD = LINKER.downcallHandle(
                LINKER.defaultLookup().find("mknod").orElseThrow(
                        () -> new UnsupportedOperationException("libc has no mknod symbol")),
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle FCHMODAT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("fchmodat").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
                Linker.Option.captureCallState("errno"));
        static final MethodHandle UTIMENSAT = LINKER.downcallHandle(
                LINKER.defaultLookup().find("utimensat").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }
}
