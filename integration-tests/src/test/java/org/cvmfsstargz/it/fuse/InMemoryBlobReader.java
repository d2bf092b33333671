package org.cvmfsstargz.it.fuse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.ChunkVerifier;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.layer.ContentReader;

/**
 * A {@link ContentReader} over a layer blob in memory, simpler than the daemon's {@code LayerReader}
 * so that the filesystem is tested alone: it fetches, inflates and verifies only the chunks a read
 * covers, keeps them, counts fetches, and fails the paths a test names.
 *
 * <p>Thread-safe.
 */
final class InMemoryBlobReader implements ContentReader {
    private final Set<String> failing = ConcurrentHashMap.newKeySet();
    private final Toc toc;
    private final byte[] blob;
    private final Map<String, byte[]> chunks = new ConcurrentHashMap<>();
    private final AtomicInteger fetches = new AtomicInteger();
    private final ChunkVerifier verifier = new ChunkVerifier(true);

    InMemoryBlobReader(Toc toc, byte[] blob) {
        this.toc = toc;
        this.blob = blob;
    }

    /** Reads of {@code path} fail from now on, as a registry that stopped answering would make them. */
    void fail(String path) {
        failing.add(path);
    }

    void failNothing() {
        failing.clear();
    }

    @Override
    public int read(TocEntry file, long offset, byte[] dst, int length) throws IOException {
        if (failing.contains(file.path())) {
            throw new IOException("injected fetch failure for " + file.path());
        }
        long end = Math.min(offset + length, file.size());
        long at = offset;
        while (at < end) {
            long position = at;
            Chunk chunk = toc.chunkAt(file.inode(), position)
                    .orElseThrow(() -> new IOException("no chunk at " + position + " of " + file.path()));
            byte[] data = chunk(file, chunk);
            int from = (int) (at - chunk.chunkOffset());
            int n = (int) Math.min(end - at, data.length - from);
            System.arraycopy(data, from, dst, (int) (at - offset), n);
            at += n;
        }
        return (int) Math.max(0, end - offset);
    }

    void warm(TocEntry file) throws IOException {
        for (Chunk chunk : toc.chunks(file.inode())) {
            chunk(file, chunk);
        }
    }

    int fetches() {
        return fetches.get();
    }

    /** One fetch per chunk even when the kernel's parallel readahead asks for it twice at once. */
    private byte[] chunk(TocEntry file, Chunk chunk) throws IOException {
        try {
            return chunks.computeIfAbsent(file.inode() + "@" + chunk.chunkOffset(), key -> fetch(file, chunk));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private byte[] fetch(TocEntry file, Chunk chunk) {
        fetches.incrementAndGet();
        byte[] compressed = Arrays.copyOfRange(blob, (int) chunk.offset(), (int) chunk.compressedEnd());
        try {
            return verifier.read(file, chunk, compressed);
        } catch (CorruptLayerException e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
