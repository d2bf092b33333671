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
        for (int i = from; i < utf8.length; i++) {
            if (utf8[i] == '/') {
                return i;
            }
        }
        return utf8.length;
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
