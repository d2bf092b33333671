package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CHUNK_DIGEST_MISMATCH;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CHUNK_DIGEST_MISSING;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.CORRUPT_CHUNK;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
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
     * As {@link #read(TocEntry, Chunk, byte[])}, with the compressed bytes at
     * {@code buffer[offset, offset + length)}.
     */
    public byte[] read(TocEntry file, Chunk chunk, byte[] buffer, int offset, int length) throws CorruptLayerException {
        Objects.requireNonNull(file, "file");
        Objects.checkFromIndexSize(offset, length, buffer.length);
        if (chunk.chunkDigest().isEmpty() && digestRequired) {
            throw CorruptLayerException.forEntry(CHUNK_DIGEST_MISSING, file.path(), "chunk at file offset "
                    + chunk.chunkOffset() + " has no chunkDigest and verification is required");
        }
        if (chunk.chunkSize() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("chunk of " + chunk.chunkSize() + " bytes; TocLimits bounds chunks");
        }
        byte[] content;
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(buffer, offset, length))) {
            in.skipNBytes(chunk.innerOffset());
            content = in.readNBytes((int) chunk.chunkSize());
        } catch (IOException e) {
            throw CorruptLayerException.forEntry(CORRUPT_CHUNK, file.path(), "the gzip member at blob offset "
                    + chunk.offset() + " does not inflate: " + e.getMessage());
        }
        if (content.length != chunk.chunkSize()) {
            throw CorruptLayerException.forEntry(CORRUPT_CHUNK, file.path(), "the gzip member at blob offset "
                    + chunk.offset() + " holds " + content.length + " of the chunk's " + chunk.chunkSize() + " bytes");
        }
        if (chunk.chunkDigest().isPresent()) {
            Digest actual = Digest.sha256(content);
            if (!actual.equals(chunk.chunkDigest().get())) {
                throw CorruptLayerException.forEntry(CHUNK_DIGEST_MISMATCH, file.path(), "chunk at file offset "
                        + chunk.chunkOffset() + " hashes to " + actual + ", the TOC says " + chunk.chunkDigest().get());
            }
        }
        return content;
    }
}
