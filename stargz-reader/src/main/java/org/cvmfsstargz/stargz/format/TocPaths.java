package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.INVALID_NAME;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.PATH_ESCAPE;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits TOC names into path segments the way the reference reader normalises them, except that
 * {@code ..} is refused instead of silently clamped: {@code ./a/}, {@code /a} and {@code a} are
 * the same path, empty and {@code .} segments vanish, and the root is the empty path.
 */
final class TocPaths {
    /** Linux's NAME_MAX: no filesystem can hold a longer segment. */
    static final int MAX_SEGMENT_BYTES = 255;

    private TocPaths() {
    }

    /**
     * The UTF-8 segments of {@code name}; none for the root.
     *
     * @param what the entry the name belongs to, for messages
     * @throws CorruptLayerException {@code PATH_ESCAPE} for a {@code ..} segment,
     *     {@code INVALID_NAME} for a NUL, an overlong path or segment
     */
    static byte[][] segments(String name, int maxPathBytes, String what) throws CorruptLayerException {
        requireValidTarget(name, maxPathBytes, what);
        // '/' never occurs inside a multi-byte UTF-8 sequence, so the name is encoded once and split
        // as bytes: no substring and no encoder per segment (this runs once per TOC entry).
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        int count = 0;
        for (int start = 0, end; start <= utf8.length; start = end + 1) {
            end = indexOfSlash(utf8, start);
            if (isSegment(utf8, start, end, what)) {
                count++;
            }
        }
        byte[][] segments = new byte[count][];
        int i = 0;
        for (int start = 0, end; start <= utf8.length; start = end + 1) {
            end = indexOfSlash(utf8, start);
            if (isSegment(utf8, start, end, what)) {
                segments[i++] = Arrays.copyOfRange(utf8, start, end);
            }
        }
        return segments;
    }

    private static int indexOfSlash(byte[] utf8, int from) {
        return indexOfSlash(utf8, from, utf8.length);
    }

    private static int indexOfSlash(byte[] utf8, int from, int limit) {
        for (int i = from; i < limit; i++) {
            if (utf8[i] == '/') {
                return i;
            }
        }
        return limit;
    }

    /**
     * A name split as {@link #segments} splits it, but in place: its UTF-8 bytes in a buffer
     * reused from name to name and the bounds of each kept segment, so that reading a TOC does not
     * allocate arrays per entry. Not thread-safe; one per {@link TocBuilder}.
     */
    static final class Split {
        private byte[] bytes = new byte[256];
        private int length;
        private int[] starts = new int[16];
        private int[] ends = new int[16];
        private int count;

        /** Splits {@code name}, with the checks of {@link #segments}. */
        void fill(String name, int maxPathBytes, String what) throws CorruptLayerException {
            requireValidTarget(name, maxPathBytes, what);
            encode(name);
            count = 0;
            for (int start = 0, end; start <= length; start = end + 1) {
                end = indexOfSlash(bytes, start, length);
                if (isSegment(bytes, start, end, what)) {
                    add(start, end);
                }
            }
        }

        /** Keeps the first {@code n} segments of {@code from}: the directory of a path. */
        void copyPrefix(Split from, int n) {
            length = n == 0 ? 0 : from.ends[n - 1];
            if (bytes.length < length) {
                bytes = new byte[Math.max(length, bytes.length * 2)];
            }
            System.arraycopy(from.bytes, 0, bytes, 0, length);
            count = 0;
            for (int i = 0; i < n; i++) {
                add(from.starts[i], from.ends[i]);
            }
        }

        int count() {
            return count;
        }

        byte[] bytes() {
            return bytes;
        }

        int start(int segment) {
            return starts[segment];
        }

        int end(int segment) {
            return ends[segment];
        }

        /** Whether segment {@code i} here has the bytes of segment {@code j} of {@code other}. */
        boolean sameSegment(int i, Split other, int j) {
            return Arrays.equals(bytes, starts[i], ends[i], other.bytes, other.starts[j], other.ends[j]);
        }

        String segmentString(int segment) {
            return new String(bytes, starts[segment], ends[segment] - starts[segment], StandardCharsets.UTF_8);
        }

        /** UTF-8 into the buffer: ASCII by hand, anything else through the JDK's encoder. */
        private void encode(String name) {
            int n = name.length();
            if (bytes.length < n) {
                bytes = new byte[Math.max(n, bytes.length * 2)];
            }
            for (int i = 0; i < n; i++) {
                char c = name.charAt(i);
                if (c >= 0x80) {
                    byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
                    bytes = utf8.length > bytes.length ? utf8 : bytes;
                    System.arraycopy(utf8, 0, bytes, 0, utf8.length);
                    length = utf8.length;
                    return;
                }
                bytes[i] = (byte) c;
            }
            length = n;
        }

        private void add(int start, int end) {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
            }
            starts[count] = start;
            ends[count] = end;
            count++;
        }
    }

    /** Whether {@code utf8[start, end)} is a segment to keep: not empty, not {@code .}; never {@code ..}. */
    private static boolean isSegment(byte[] utf8, int start, int end, String what) throws CorruptLayerException {
        int length = end - start;
        if (length == 2 && utf8[start] == '.' && utf8[start + 1] == '.') {
            throw CorruptLayerException.forEntry(PATH_ESCAPE, what, "'..' in a path inside the layer");
        }
        if (length > MAX_SEGMENT_BYTES) {
            throw CorruptLayerException.forEntry(INVALID_NAME, what, "a path segment longer than "
                    + MAX_SEGMENT_BYTES + " bytes");
        }
        return length > 0 && !(length == 1 && utf8[start] == '.');
    }

    /**
     * Checks what a symlink target needs: no NUL, not longer than {@code maxPathBytes}. A symlink
     * may point anywhere, {@code ..} included: the kernel resolves it inside the container's root.
     */
    static void requireValidTarget(String path, int maxPathBytes, String what) throws CorruptLayerException {
        if (path.indexOf('\0') >= 0) {
            throw CorruptLayerException.forEntry(INVALID_NAME, what, "name contains a NUL byte");
        }
        if (path.length() > maxPathBytes || utf8Length(path) > maxPathBytes) {
            throw CorruptLayerException.forEntry(INVALID_NAME, what, "path longer than " + maxPathBytes + " bytes");
        }
    }

    private static long utf8Length(String s) {
        long length = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            length += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return length;
    }
}
