package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;
import org.cvmfsstargz.snapshotter.core.Usage;

/**
 * Measures a directory tree the way containerd does: each distinct inode (device, inode number)
 * once, its allocated blocks times 512 bytes. The JDK's file attributes do not expose
 * {@code st_blocks}, so this calls {@code lstat(2)} through the FFM API.
 *
 * <p>Thread-safe. I/O: walks the whole tree on each call, never following links or entering
 * other filesystems.
 */
public final class DiskUsage {
    // struct stat on Linux x86_64 and aarch64 alike: st_dev at 0, st_ino at 8, st_blocks at 64.
    private static final long STAT_SIZE = 256;
    private static final long OFFSET_DEV = 0;
    private static final long OFFSET_INO = 8;
    private static final long OFFSET_BLOCKS = 64;
    private static final MethodHandle LSTAT = Linker.nativeLinker().downcallHandle(
            Linker.nativeLinker().defaultLookup().findOrThrow("lstat"),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));

    private DiskUsage() {}

    public static Usage of(Path dir) {
        record Inode(long dev, long ino) {}
        Set<Inode> seen = new HashSet<>();
        long[] blocks = {0};
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE);
            long rootDev = lstat(arena, stat, dir) ? stat.get(ValueLayout.JAVA_LONG, OFFSET_DEV) : -1;
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    return count(d) ? FileVisitResult.CONTINUE : FileVisitResult.SKIP_SUBTREE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
                    count(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) {
                    return FileVisitResult.CONTINUE; // deleted while walking: not counted
                }

                /** Counts {@code p}; false when it lies on another filesystem (a mount). */
                private boolean count(Path p) {
                    if (!lstat(arena, stat, p)) {
                        return false;
                    }
                    long dev = stat.get(ValueLayout.JAVA_LONG, OFFSET_DEV);
                    if (dev != rootDev) {
                        return false;
                    }
                    if (seen.add(new Inode(dev, stat.get(ValueLayout.JAVA_LONG, OFFSET_INO)))) {
                        blocks[0] += stat.get(ValueLayout.JAVA_LONG, OFFSET_BLOCKS);
                    }
                    return true;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
        return new Usage(blocks[0] * 512, seen.size());
    }

    private static boolean lstat(Arena arena, MemorySegment stat, Path path) {
        try {
            return (int) LSTAT.invokeExact(arena.allocateFrom(path.toString()), stat) == 0;
        } catch (Throwable t) {
            throw new IllegalStateException("lstat failed for " + path, t);
        }
    }
}
