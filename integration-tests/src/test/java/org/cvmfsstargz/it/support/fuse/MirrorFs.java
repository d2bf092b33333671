package org.cvmfsstargz.it.support.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.NotLinkException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The jnr-fuse filesystem behind {@link FaultyFuse}: a read-only mirror of a backing directory
 * (getattr, readdir, open, read, readlink) in which every operation first passes {@link Faults}.
 * Operations it does not override are not registered with libfuse, which answers them itself
 * (ENOSYS, or its defaults for statfs and opendir).
 *
 * <p>Thread-safe: libfuse calls it from several worker threads at once; it keeps no state of its
 * own besides the backing directory. {@link FaultyFuse} closes it through {@link #umount()}.
 */
final class MirrorFs extends FuseStubFS {
    private static final int O_ACCMODE = 03;
    private static final int O_RDONLY = 0;

    private final Path backing;
    private final Faults faults;

    MirrorFs(Path backing, Faults faults) {
        this.backing = backing;
        this.faults = faults;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return guarded(path, file -> {
            Map<String, Object> a = Files.readAttributes(file, "unix:*", LinkOption.NOFOLLOW_LINKS);
            long size = (Long) a.get("size");
            stat.st_mode.set((Integer) a.get("mode"));
            stat.st_uid.set((Integer) a.get("uid"));
            stat.st_gid.set((Integer) a.get("gid"));
            stat.st_nlink.set((Integer) a.get("nlink"));
            stat.st_rdev.set((Long) a.get("rdev"));
            stat.st_size.set(size);
            stat.st_blocks.set((size + 511) / 512);
            setTime(stat.st_atim, (FileTime) a.get("lastAccessTime"));
            setTime(stat.st_mtim, (FileTime) a.get("lastModifiedTime"));
            setTime(stat.st_ctim, (FileTime) a.get("ctime"));
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return guarded(path, file -> {
            byte[] target = Files.readSymbolicLink(file).toString().getBytes(StandardCharsets.UTF_8);
            // readlink(2) semantics of the FUSE high-level API: NUL-terminated, cut to fit.
            int length = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, length);
            buf.putByte(length, (byte) 0);
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return guarded(path, dir -> {
            filler.apply(buf, ".", null, 0);
            filler.apply(buf, "..", null, 0);
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
                for (Path entry : entries) {
                    filler.apply(buf, entry.getFileName().toString(), null, 0);
                }
            }
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        if ((fi.flags.get() & O_ACCMODE) != O_RDONLY) {
            return -ErrorCodes.EROFS();
        }
        return guarded(path, file -> {
            // Checks that the backing file opens; read opens it again, so no handle is kept.
            try (FileChannel ignored = FileChannel.open(file, StandardOpenOption.READ)) {
                return 0;
            }
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return guarded(path, file -> {
            ByteBuffer data = ByteBuffer.allocate((int) Math.min(size, Integer.MAX_VALUE));
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                while (data.hasRemaining() && channel.read(data, offset + data.position()) >= 0) {
                    // read until the buffer is full or the file ends
                }
            }
            buf.put(0, data.array(), 0, data.position());
            return data.position();
        });
    }

    /** Releases every hung operation, then unmounts; also run by jnr-fuse's shutdown hook. */
    @Override
    public void umount() {
        faults.close();
        if (mounted.getAndSet(false)) {
            try {
                Fusermount.unmount(mountPoint);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    protected String getFSName() {
        return "faultyfuse";
    }

    private int guarded(String path, Operation operation) {
        String relative = path.replaceAll("^/+", "");
        if (!faults.admit(relative)) {
            return -ErrorCodes.EIO();
        }
        try {
            return operation.apply(backing.resolve(relative));
        } catch (IOException e) {
            return -errno(e);
        } catch (RuntimeException e) {
            // An exception must not cross into libfuse's native thread.
            return -ErrorCodes.EIO();
        }
    }

    private static int errno(IOException e) {
        return switch (e) {
            case NoSuchFileException _ -> ErrorCodes.ENOENT();
            case NotDirectoryException _ -> ErrorCodes.ENOTDIR();
            case NotLinkException _ -> ErrorCodes.EINVAL();
            case AccessDeniedException _ -> ErrorCodes.EACCES();
            case FileSystemLoopException _ -> ErrorCodes.ELOOP();
            default -> ErrorCodes.EIO();
        };
    }

    private static void setTime(Timespec timespec, FileTime time) {
        timespec.tv_sec.set(time.toInstant().getEpochSecond());
        timespec.tv_nsec.set(time.toInstant().getNano());
    }

    @FunctionalInterface
    private interface Operation {
        int apply(Path file) throws IOException;
    }
}
