package org.cvmfsstargz.stargz.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalLong;

/**
 * Fills the requested ranges of one answer from the stretches of blob bytes the server chose to
 * send: parts in any order, merged or reordered ({@code multipart/byteranges} allows both), one
 * covering part, or the whole blob. Bytes are placed by their blob offset, never by position in
 * the answer, and {@link #results} refuses an answer that left a requested byte out.
 *
 * <p>Not thread-safe: one per answer, used by the thread reading it.
 */
final class RangeAssembler {
    private final List<ByteRange> ranges;
    private final byte[][] buffers;
    /** Per range, the {@code [from, to)} stretches filled so far. */
    private final List<List<long[]>> filled;
    private OptionalLong blobEnd = OptionalLong.empty();

    /** @param ranges sorted, non-overlapping (the caller checked) */
    RangeAssembler(List<ByteRange> ranges) {
        this.ranges = List.copyOf(ranges);
        this.buffers = new byte[this.ranges.size()][];
        this.filled = new ArrayList<>(this.ranges.size());
        for (int i = 0; i < this.ranges.size(); i++) {
            buffers[i] = new byte[this.ranges.get(i).length()];
            filled.add(new ArrayList<>(1));
        }
    }

    /**
     * Records that the blob ends at {@code size}, as an answer stated or showed; ranges reaching
     * past it come back shorter, or empty.
     */
    void blobEndsAt(long size) {
        blobEnd = OptionalLong.of(blobEnd.isPresent() ? Math.min(blobEnd.getAsLong(), size) : size);
    }

    /**
     * Takes the bytes {@code [start, start + length)} of the blob from {@code in}: copies what the
     * requested ranges need and skips the rest, leaving {@code in} just after the part.
     *
     * @throws EOFException if {@code in} ends before the part does (a cut connection)
     */
    void part(long start, long length, InputStream in) throws IOException {
        long pos = start;
        long end = start + length;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange range = ranges.get(i);
            long from = Math.max(range.offset(), pos);
            long to = Math.min(range.end(), end);
            if (from >= to) {
                continue;
            }
            in.skipNBytes(from - pos);
            int n = (int) (to - from);
            if (in.readNBytes(buffers[i], (int) (from - range.offset()), n) < n) {
                throw new EOFException("the answer ended inside the part " + start + "-" + (end - 1));
            }
            filled.get(i).add(new long[] {from, to});
            pos = to;
        }
        in.skipNBytes(end - pos);
    }

    /**
     * Takes the blob's bytes from {@code start} to its end from {@code in} (a 200 answer, or a
     * 206 without {@code Content-Range}), stopping after the last requested byte; where {@code in}
     * ends first, that is where the blob ends.
     */
    void toBlobEnd(long start, InputStream in) throws IOException {
        long pos = start;
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange range = ranges.get(i);
            if (range.end() <= pos) {
                continue;
            }
            long from = Math.max(range.offset(), pos);
            try {
                in.skipNBytes(from - pos);
            } catch (EOFException e) {
                // The blob ends somewhere in [pos, from): every range from here on starts at or past
                // its end, so pos gives them the same (empty) answer as the exact size would.
                blobEndsAt(pos);
                return;
            }
            int got = in.readNBytes(buffers[i], (int) (from - range.offset()), (int) (range.end() - from));
            filled.get(i).add(new long[] {from, from + got});
            pos = from + got;
            if (pos < range.end()) {
                blobEndsAt(pos);
                return;
            }
        }
    }

    /**
     * The bytes of each range, in request order: all of it, or up to the blob's end.
     *
     * @throws RegistryException {@code INVALID_CONTENT} if the answer left out a byte of a range
     */
    List<byte[]> results(String what) throws RegistryException {
        List<byte[]> out = new ArrayList<>(ranges.size());
        for (int i = 0; i < ranges.size(); i++) {
            ByteRange range = ranges.get(i);
            long end = blobEnd.isPresent() ? Math.min(range.end(), blobEnd.getAsLong()) : range.end();
            if (end <= range.offset()) {
                out.add(new byte[0]);
                continue;
            }
            OptionalLong gap = firstGap(filled.get(i), range.offset(), end);
            if (gap.isPresent()) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": the answer to bytes "
                        + range.httpSpec() + " lacks byte " + gap.getAsLong() + "; the server sent other ranges"
                        + " than those asked for");
            }
            out.add(end == range.end() ? buffers[i] : Arrays.copyOf(buffers[i], (int) (end - range.offset())));
        }
        return out;
    }

    /** The first offset in {@code [from, to)} that no stretch covers. */
    private static OptionalLong firstGap(List<long[]> stretches, long from, long to) {
        long covered = from;
        List<long[]> sorted = new ArrayList<>(stretches);
        sorted.sort(Comparator.comparingLong(s -> s[0]));
        for (long[] s : sorted) {
            if (s[0] > covered) {
                break;
            }
            covered = Math.max(covered, s[1]);
        }
        return covered >= to ? OptionalLong.empty() : OptionalLong.of(covered);
    }
}
