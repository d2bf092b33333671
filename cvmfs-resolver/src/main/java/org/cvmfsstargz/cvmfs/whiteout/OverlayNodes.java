package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Creates overlayfs' own whiteout forms with glibc's {@code mknod(2)} and {@code setxattr(2)}
 * through the FFM API, since the JDK has neither. Errors become {@link IOException}s naming the
 * path and errno.
 *
 * <p>Thread-safe (no state). Needs CAP_MKNOD and CAP_SYS_ADMIN (trusted.* xattrs): run as root.
 */
final class OverlayNodes {
    private static final int S_IFCHR = 0020000;
    private static final String OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final Linker LINKER = Linker.nativeLinker();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final StructLayout STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO_VALUE =
            STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MKNOD = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("mknod"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_LONG),
            ERRNO);
    private static final MethodHandle SETXATTR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("setxattr"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                    ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT),
            ERRNO);
    private static final MethodHandle STRERROR = LINKER.downcallHandle(
            LINKER.defaultLookup().findOrThrow("strerror"),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    private OverlayNodes() {}

    /** Makes {@code path} a 0/0 character device, overlayfs' whiteout. */
    static void whiteout(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            int rc = (int) MKNOD.invokeExact(state, arena.allocateFrom(path.toString()), S_IFCHR, 0L);
            check(rc, state, "mknod", path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("mknod " + path + " failed", t);
        }
    }

    /** Marks the directory {@code path} opaque: {@code trusted.overlay.opaque=y}. */
    static void opaque(Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(STATE);
            byte[] value = "y".getBytes(StandardCharsets.US_ASCII);
            MemorySegment bytes = arena.allocate(value.length);
            bytes.copyFrom(MemorySegment.ofArray(value));
            int rc = (int) SETXATTR.invokeExact(state, arena.allocateFrom(path.toString()),
                    arena.allocateFrom(OPAQUE_XATTR), bytes, (long) value.length, 0);
            check(rc, state, "setxattr " + OPAQUE_XATTR, path);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IOException("setxattr " + path + " failed", t);
        }
    }

    private static void check(int rc, MemorySegment state, String call, Path path) throws Throwable {
        if (rc == 0) {
            return;
        }
        int errno = (int) ERRNO_VALUE.get(state, 0L);
        MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
        throw new IOException(call + " " + path + " failed: errno " + errno + " ("
                + message.reinterpret(256).getString(0) + ")"
                + (errno == 1 ? "; needs root (CAP_MKNOD, CAP_SYS_ADMIN)" : ""));
    }
}
