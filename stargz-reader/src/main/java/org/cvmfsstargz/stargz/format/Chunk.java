package org.cvmfsstargz.stargz.format;

import java.util.Objects;
import java.util.Optional;

/**
 * One piece of a regular file's payload as the TOC places it in the blob. To read it, inflate the
 * gzip member starting at blob offset {@link #offset()}, skip {@link #innerOffset()} bytes, and
 * take {@link #chunkSize()} bytes: file bytes {@code [chunkOffset, chunkOffset + chunkSize)}. The
 * member's compressed bytes end at {@link #compressedEnd()} at the latest (the next member holding
 * a payload, or the TOC), so {@code [offset, compressedEnd)} is the blob range to fetch.
 *
 * <p>Immutable and thread-safe.
 *
 * @param offset blob offset of the gzip member holding this chunk
 * @param innerOffset uncompressed bytes to skip inside that member (non-zero only when several
 *     payloads share a member, {@code --estargz-min-chunk-size})
 * @param chunkOffset where the chunk starts in the file
 * @param chunkSize the chunk's uncompressed length, never 0 (a TOC's 0 "to the end of the file"
 *     is resolved)
 * @param compressedEnd where the blob range to fetch for this chunk ends
 * @param chunkDigest the sha256 of the chunk's uncompressed bytes, absent in legacy stargz
 */
public record Chunk(long offset, long innerOffset, long chunkOffset, long chunkSize, long compressedEnd,
        Optional<Digest> chunkDigest) {
    public Chunk {
        Objects.requireNonNull(chunkDigest, "chunkDigest");
        if (offset < 0 || innerOffset < 0 || chunkOffset < 0 || chunkSize <= 0 || compressedEnd <= offset) {
            throw new IllegalArgumentException("inconsistent chunk: offset " + offset + ", innerOffset "
                    + innerOffset + ", chunkOffset " + chunkOffset + ", chunkSize " + chunkSize
                    + ", compressedEnd " + compressedEnd);
        }
        if (innerOffset > Long.MAX_VALUE - chunkSize) {
            throw new IllegalArgumentException("inconsistent chunk: innerOffset " + innerOffset + " + chunkSize "
                    + chunkSize + " overflows");
        }
    }

    /** The length of the blob range {@code [offset, compressedEnd)}. */
    public long compressedLength() {
        return compressedEnd - offset;
    }

    /** The file offset just past this chunk. */
    public long chunkEnd() {
        return chunkOffset + chunkSize;
    }

    /** Whether file offset {@code fileOffset} falls inside this chunk. */
    public boolean contains(long fileOffset) {
        return fileOffset >= chunkOffset && fileOffset < chunkEnd();
    }
}
