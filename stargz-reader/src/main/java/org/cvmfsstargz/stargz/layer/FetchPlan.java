package org.cvmfsstargz.stargz.layer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.registry.ByteRange;

/**
 * How to fetch a set of chunks in few requests: their blob ranges sorted, and neighbours (ranges
 * that touch, overlap because payloads share a gzip member, or lie at most {@code maxGap} apart)
 * merged into one range up to {@code maxRangeBytes}. Pure and thread-safe.
 *
 * <p>Only the part of a chunk's range that can hold its data is fetched: a gzip member ends
 * at most a little past its data (deflate adds at most 5 bytes per 64 KiB stored block, plus a
 * header), while the range up to the next member start may be long when a TOC is malicious. See
 * {@link #fetchLength(Chunk)}.
 */
public final class FetchPlan {
    /** Room for a gzip member's header (with extra field or file name) and trailer. */
    private static final long MEMBER_OVERHEAD = 64 << 10;

    /** One request's worth: a range and the chunks it holds, in blob order. */
    public record Batch(ByteRange range, List<FileChunk> chunks) {
        public Batch {
            chunks = List.copyOf(chunks);
        }
    }

    private FetchPlan() {}

    /** The batches for {@code chunks} (any order, duplicates allowed), in blob order. */
    public static List<Batch> of(List<FileChunk> chunks, int maxRangeBytes, int maxGap) {
        if (maxRangeBytes <= 0 || maxGap < 0) {
            throw new IllegalArgumentException("maxRangeBytes " + maxRangeBytes + ", maxGap " + maxGap);
        }
        List<FileChunk> sorted = new ArrayList<>(chunks);
        sorted.sort(Comparator.comparingLong((FileChunk c) -> c.chunk().offset())
                .thenComparingLong(c -> c.chunk().innerOffset()));
        List<Batch> batches = new ArrayList<>();
        List<FileChunk> current = new ArrayList<>();
        long start = 0;
        long end = 0;
        for (FileChunk each : sorted) {
            Chunk chunk = each.chunk();
            long chunkEnd = chunk.offset() + fetchLength(chunk);
            boolean joins = !current.isEmpty() && chunk.offset() <= end + maxGap
                    && Math.max(end, chunkEnd) - start <= maxRangeBytes;
            if (!joins && !current.isEmpty()) {
                batches.add(batch(start, end, current));
                current = new ArrayList<>();
            }
            if (current.isEmpty()) {
                start = chunk.offset();
                end = chunkEnd;
            } else {
                end = Math.max(end, chunkEnd);
            }
            current.add(each);
        }
        if (!current.isEmpty()) {
            batches.add(batch(start, end, current));
        }
        return batches;
    }

    /**
     * How many blob bytes from {@link Chunk#offset()} can hold the chunk's data: its range up to
     * {@link Chunk#compressedEnd()}, but no more than the uncompressed bytes up to the chunk's end
     * plus deflate's worst-case growth and a member header.
     */
    public static long fetchLength(Chunk chunk) {
        long uncompressed = chunk.innerOffset() + chunk.chunkSize(); // Chunk rules out an overflow
        if (uncompressed >= chunk.compressedLength()) {
            return chunk.compressedLength(); // the bound below is larger still, and could overflow
        }
        return Math.min(chunk.compressedLength(), uncompressed + uncompressed / 1000 + MEMBER_OVERHEAD);
    }

    private static Batch batch(long start, long end, List<FileChunk> chunks) {
        long length = end - start;
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a range of " + length + " bytes; TocLimits bounds chunks");
        }
        return new Batch(new ByteRange(start, (int) length), chunks);
    }
}
