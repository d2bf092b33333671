package org.cvmfsstargz.stargz.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntSupplier;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.layer.ContentReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;

/**
 * The read-only filesystem of one eStargz layer, as libfuse 2's high-level, path-based API calls
 * it: names, attributes and xattrs from a {@link LayerTree}, file bytes from a
 * {@link ContentReader} asked for exactly the requested range. Every path is resolved by walking
 * the tree from the root, a hash lookup per name, with no cache: the walk costs a few microseconds,
 * less than the FUSE round trip around it, and the kernel caches entries and attributes for the
 * mount's timeouts anyway. Only reads wait for the network; lookups, stats and listings never do,
 * which matters because libfuse 2 cannot announce FUSE_PARALLEL_DIROPS, so the kernel serialises
 * first lookups in one directory.
 *
 * <p>A read the reader fails is EIO, logged once at warn with the layer and path; a reader that
 * returns fewer bytes than it must is EIO too, since the kernel would take a short read for the
 * end of the file. Calls that would change the layer are EROFS ({@link ReadOnlyFuseStub}).
 *
 * <p>Thread-safe: libfuse calls it from its worker threads at once; it keeps no mutable state
 * besides a per-thread read buffer. Served once, by {@link LayerMount}, which owns it from then on;
 * it holds no resources of its own to close (the {@link ContentReader} belongs to the caller).
 */
public final class LayerFilesystem extends ReadOnlyFuseStub {
    private static final Logger LOG = LoggerFactory.getLogger(LayerFilesystem.class);
    private static final int ENOENT = ErrorCodes.ENOENT();
    private static final int ENOTDIR = ErrorCodes.ENOTDIR();
    private static final int EISDIR = ErrorCodes.EISDIR();
    private static final int EINVAL = ErrorCodes.EINVAL();
    private static final int EIO = ErrorCodes.EIO();
    private static final int ENODATA = ErrorCodes.ENODATA();
    private static final int W_OK = 2;
    /** At least {@code sizeof(struct stat)} (144 on x86_64 and aarch64); libfuse copies it whole. */
    private static final int STAT_BYTES = Math.max(256, Struct.size(new FileStat(Runtime.getSystemRuntime())));
    /** libfuse 2 asks for at most 128 KiB ({@code max_read}); larger requests get a buffer of their own. */
    private static final int READ_BUFFER_BYTES = 128 << 10;
    private static final ThreadLocal<byte[]> READ_BUFFER = ThreadLocal.withInitial(() -> new byte[READ_BUFFER_BYTES]);

    private final Digest layer;
    private final LayerTree tree;
    private final ContentReader reader;
    private final FuseOperationListener listener;
    private final AtomicBoolean served = new AtomicBoolean();

    /**
     * @param layer the layer's digest, for log lines and the mount's name
     * @param toc the layer's verified index
     * @param reader where file bytes come from; it must stay usable until the mount is closed
     * @param listener hears every operation; {@link FuseOperationListener#NONE} for nothing
     */
    public LayerFilesystem(Digest layer, Toc toc, ContentReader reader, FuseOperationListener listener) {
        this.layer = Objects.requireNonNull(layer, "layer");
        this.tree = new LayerTree(toc);
        this.reader = Objects.requireNonNull(reader, "reader");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public LayerFilesystem(Digest layer, Toc toc, ContentReader reader) {
        this(layer, toc, reader, FuseOperationListener.NONE);
    }

    public Digest layer() {
        return layer;
    }

    public LayerTree tree() {
        return tree;
    }

    /**
     * Runs libfuse's multi-threaded loop ({@code -f}, no {@code -s}) on {@code mountpoint} until it
     * is unmounted; returns libfuse's status, 0 after a normal unmount. Calls
     * {@code fuse_main_real} directly rather than jnr-fuse's {@code mount}, which registers a JVM
     * shutdown hook per mount that would keep every filesystem (and its TOC) reachable forever.
     */
    int serve(Path mountpoint, String options) {
        if (!served.compareAndSet(false, true)) {
            throw new IllegalStateException("the filesystem of " + layer + " is already served");
        }
        String[] args = {"estargz", "-f", mountpoint.toString(), "-o", options};
        return libFuse.fuse_main_real(args.length, args, fuseOperations, Struct.size(fuseOperations), null);
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return timed("getattr", path, () -> {
            Optional<LayerNode> node = tree.resolve(path);
            if (node.isEmpty()) {
                return -ENOENT;
            }
            FuseStructs.fill(stat, tree.attributes(node.get()));
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return timed("readdir", path, () -> {
            Optional<LayerNode> dir = tree.resolve(path);
            if (dir.isEmpty()) {
                return -ENOENT;
            }
            if (!dir.get().isDirectory()) {
                return -ENOTDIR;
            }
            Pointer statMemory = Memory.allocateDirect(Runtime.getSystemRuntime(), STAT_BYTES);
            statMemory.setMemory(0, STAT_BYTES, (byte) 0);
            FileStat stat = FileStat.of(statMemory);
            LayerNode parent = tree.resolve(path.substring(0, Math.max(0, path.lastIndexOf('/')))).orElse(dir.get());
            // Offset 0 for every name: libfuse 2 collects the whole directory, then pages it out itself.
            if (!add(filler, buf, ".", stat, dir.get()) || !add(filler, buf, "..", stat, parent)) {
                return 0;
            }
            for (LayerNode child : tree.children(dir.get().inode())) {
                if (!add(filler, buf, child.name(), stat, child)) {
                    break;
                }
            }
            return 0;
        });
    }

    private boolean add(FuseFillDir filler, Pointer buf, String name, FileStat stat, LayerNode node) {
        FuseStructs.fillDirectoryEntry(stat, tree.attributes(node));
        // jnr-fuse's String overload passes the name without its terminating NUL.
        return filler.apply(buf, ByteBuffer.wrap(FuseStructs.cString(name)), Struct.getMemory(stat), 0) == 0;
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return timed("readlink", path, () -> {
            Optional<LayerNode> node = tree.resolve(path);
            if (node.isEmpty()) {
                return -ENOENT;
            }
            Optional<String> target = node.get().linkTarget();
            if (target.isEmpty() || size <= 0) {
                return -EINVAL;
            }
            FuseStructs.putTruncated(buf, size, target.get());
            return 0;
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return timed("open", path, () -> {
            if (!FuseStructs.readOnly(fi)) {
                return -EROFS;
            }
            if (tree.resolve(path).isEmpty()) {
                return -ENOENT;
            }
            FuseStructs.keepCache(fi);
            return 0;
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return timed("read", path, () -> {
            Optional<LayerNode> node = tree.resolve(path);
            if (node.isEmpty()) {
                return -ENOENT;
            }
            Optional<TocEntry> file = node.get().regularFile();
            if (file.isEmpty()) {
                return node.get().isDirectory() ? -EISDIR : -EINVAL;
            }
            if (offset < 0 || size < 0) {
                return -EINVAL;
            }
            if (offset >= file.get().size()) {
                return 0;
            }
            int length = (int) Math.min(Math.min(size, file.get().size() - offset), Integer.MAX_VALUE - 16);
            return readInto(path, file.get(), offset, length, buf);
        });
    }

    private int readInto(String path, TocEntry file, long offset, int length, Pointer buf) {
        byte[] bytes = length <= READ_BUFFER_BYTES ? READ_BUFFER.get() : new byte[length];
        int copied;
        try {
            copied = reader.read(file, offset, bytes, length);
        } catch (IOException e) {
            LOG.warn("layer {}: reading {} ({} bytes at offset {}) failed, answering EIO: {}",
                    layer, path, length, offset, e.toString());
            return -EIO;
        }
        if (copied != length) {
            LOG.warn("layer {}: reading {} ({} bytes at offset {}) got {} bytes before the end of the file,"
                    + " answering EIO", layer, path, length, offset, copied);
            return -EIO;
        }
        buf.put(0, bytes, 0, copied);
        return copied;
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return timed("getxattr", path, () -> {
            Optional<LayerNode> node = tree.resolve(path);
            if (node.isEmpty()) {
                return -ENOENT;
            }
            Optional<byte[]> bytes = tree.xattr(node.get(), name);
            return bytes.isEmpty() ? -ENODATA : FuseStructs.answerXattr(bytes.get(), value, size);
        });
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return timed("listxattr", path, () -> {
            Optional<LayerNode> node = tree.resolve(path);
            if (node.isEmpty()) {
                return -ENOENT;
            }
            Map<String, byte[]> xattrs = tree.xattrs(node.get());
            ByteBuffer names = ByteBuffer.allocate(xattrs.keySet().stream().mapToInt(n -> FuseStructs.cString(n).length).sum());
            xattrs.keySet().forEach(n -> names.put(FuseStructs.cString(n)));
            return FuseStructs.answerXattr(names.array(), list, size);
        });
    }

    @Override
    public int statfs(String path, Statvfs stbuf) {
        return timed("statfs", path, () -> {
            FuseStructs.fill(stbuf, tree.totalFileBytes(), tree.nameCount());
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return timed("access", path, () -> {
            if (tree.resolve(path).isEmpty()) {
                return -ENOENT;
            }
            return (mask & W_OK) != 0 ? -EROFS : 0;
        });
    }

    /** Runs one operation: nothing may cross into libfuse's native thread, the listener hears of it. */
    private int timed(String operation, String path, IntSupplier body) {
        long start = System.nanoTime();
        int result;
        try {
            result = body.getAsInt();
        } catch (Throwable t) { // a native caller cannot take an exception: answer EIO instead
            LOG.error("layer {}: {} of {} failed, answering EIO", layer, operation, path, t);
            result = -EIO;
        }
        try {
            listener.completed(operation, System.nanoTime() - start, result != -EIO);
        } catch (RuntimeException e) {
            LOG.warn("layer {}: the FUSE operation listener failed", layer, e);
        }
        return result;
    }

    @Override
    protected String getFSName() {
        return "estargz";
    }
}
