package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CHUNK_DIGEST_MISMATCH;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CHUNK_DIGEST_MISSING;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CORRUPT_CHUNK;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.zip.GZIPInputStream;

/**
 * Turns a chunk's compressed bytes, fetched from the blob, into its file bytes, and hands them out
 * only if they hash to the chunk's {@code chunkDigest}: the one gate every byte passes before it
 * is cached or served. Inflates the gzip member at the chunk's offset, skips its
 * {@code innerOffset}, takes exactly {@code chunkSize} bytes.
 *
 * <p>Stateless and thread-safe.
 */
public final class ChunkVerifier {
    /** The most bytes {@link #verifyInto} holds at once. */
    private static final int PIECE_BYTES = 64 << 10;

    private final boolean digestRequired;

    /**
     * @param digestRequired whether a chunk without {@code chunkDigest} is refused (the normal
     *     setting); {@code false} only for layers mounted without verification, where a chunk that
     *     has a digest is still checked
     */
    public ChunkVerifier(boolean digestRequired) {
        this.digestRequired = digestRequired;
    }

    /**
     * The verified bytes of {@code chunk} of {@code file}.
     *
     * @param compressed blob bytes starting at {@link Chunk#offset()}: normally the whole range
     *     {@code [offset, compressedEnd)}, at least up to where the chunk's data ends
     * @throws CorruptLayerException {@code CORRUPT_CHUNK} if the bytes do not inflate to the
     *     chunk, {@code CHUNK_DIGEST_MISMATCH} or {@code CHUNK_DIGEST_MISSING}
     */
    public byte[] read(TocEntry file, Chunk chunk, byte[] compressed) throws CorruptLayerException {
        return read(file, chunk, compressed, 0, compressed.length);
    }

    /**
     * As {@link #read(TocEntry, Chunk, byte[], int, int)}, writing the chunk's bytes to {@code sink}
     * as they are inflated instead of returning them, in pieces of at most 64 KiB, so that no copy
     * of the whole chunk is ever made. The bytes written count only if this returns: the caller
     * must discard them on any exception.
     *
     * @throws CorruptLayerException as {@link #read(TocEntry, Chunk, byte[], int, int)} does
     * @throws IOException if {@code sink} fails
     */
    public void verifyInto(TocEntry file, Chunk chunk, byte[] buffer, int offset, int length, OutputStream sink)
            throws CorruptLayerException, IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(sink, "sink");
        Objects.checkFromIndexSize(offset, length, buffer.length);
        requireDigestIfNeeded(file, chunk);
        MessageDigest hasher = Digest.newHasher();
        byte[] piece = new byte[(int) Math.max(1, Math.min(PIECE_BYTES, chunk.chunkSize()))];
        long remaining = chunk.chunkSize();
        try (InputStream in = open(file, chunk, buffer, offset, length)) {
            while (remaining > 0) {
                int n;
                try {
                    n = in.readNBytes(piece, 0, (int) Math.min(piece.length, remaining));
                } catch (IOException e) {
                    throw notInflating(file, chunk, e);
                }
                if (n == 0) {
                    break;
                }
                hasher.update(piece, 0, n);
                sink.write(piece, 0, n); // an IOException here is the sink's, not the layer's
                remaining -= n;
            }
        }
        if (remaining != 0) {
            throw shortMember(file, chunk, chunk.chunkSize() - remaining);
        }
        requireDigest(file, chunk, Digest.of(hasher.digest()));
    }

    /** The chunk's gzip member, positioned after its {@code innerOffset}. */
    private static InputStream open(TocEntry file, Chunk chunk, byte[] buffer, int offset, int length)
            throws CorruptLayerException {
        try {
            InputStream in = new GZIPInputStream(new ByteArrayInputStream(buffer, offset, length));
            in.skipNBytes(chunk.innerOffset());
            return in;
        } catch (IOException e) {
            throw notInflating(file, chunk, e);
        }
    }

    /**
     * As {@link #read(TocEntry, Chunk, byte[])}, with the compressed bytes at
     * {@code buffer[offset, offset + length)}.
     */
    public byte[] read(TocEntry file, Chunk chunk, byte[] buffer, int offset, int length) throws CorruptLayerException {
        Objects.requireNonNull(file, "file");
        Objects.checkFromIndexSize(offset, length, buffer.length);
        requireDigestIfNeeded(file, chunk);
        if (chunk.chunkSize() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("chunk of " + chunk.chunkSize() + " bytes; TocLimits bounds chunks");
        }
        byte[] content = new byte[(int) chunk.chunkSize()];
        int inflated;
        try (InputStream in = open(file, chunk, buffer, offset, length)) {
            // Into the chunk's own array: readNBytes(int) would gather pieces and copy them, twice the memory.
            inflated = in.readNBytes(content, 0, content.length);
        } catch (IOException e) {
            throw notInflating(file, chunk, e);
        }
        if (inflated != chunk.chunkSize()) {
            throw shortMember(file, chunk, inflated);
        }
        requireDigest(file, chunk, Digest.sha256(content));
        return content;
    }

    private void requireDigestIfNeeded(TocEntry file, Chunk chunk) throws CorruptLayerException {
        if (chunk.chunkDigest().isEmpty() && digestRequired) {
            throw CorruptLayerException.forEntry(CHUNK_DIGEST_MISSING, file.path(), "chunk at file offset "
                    + chunk.chunkOffset() + " has no chunkDigest and verification is required");
        }
    }

    /** Refuses {@code actual} unless it is the chunk's digest (a chunk without one passes: see the constructor). */
    private static void requireDigest(TocEntry file, Chunk chunk, Digest actual) throws CorruptLayerException {
        if (chunk.chunkDigest().isPresent() && !actual.equals(chunk.chunkDigest().get())) {
            throw CorruptLayerException.forEntry(CHUNK_DIGEST_MISMATCH, file.path(), "chunk at file offset "
                    + chunk.chunkOffset() + " hashes to " + actual + ", the TOC says " + chunk.chunkDigest().get());
        }
    }

    private static CorruptLayerException notInflating(TocEntry file, Chunk chunk, IOException e) {
        return CorruptLayerException.forEntry(CORRUPT_CHUNK, file.path(), "the gzip member at blob offset "
                + chunk.offset() + " does not inflate: " + e.getMessage());
    }

    private static CorruptLayerException shortMember(TocEntry file, Chunk chunk, long inflated) {
        return CorruptLayerException.forEntry(CORRUPT_CHUNK, file.path(), "the gzip member at blob offset "
                + chunk.offset() + " holds " + inflated + " of the chunk's " + chunk.chunkSize() + " bytes");
    }
}
