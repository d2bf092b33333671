package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.INVALID_NAME;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.PATH_ESCAPE;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

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
        List<byte[]> segments = new ArrayList<>();
        int start = 0;
        while (start <= name.length()) {
            int end = name.indexOf('/', start);
            if (end < 0) {
                end = name.length();
            }
            String segment = name.substring(start, end);
            if (segment.equals("..")) {
                throw CorruptLayerException.forEntry(PATH_ESCAPE, what, "'..' in a path inside the layer");
            }
            if (!segment.isEmpty() && !segment.equals(".")) {
                byte[] utf8 = segment.getBytes(StandardCharsets.UTF_8);
                if (utf8.length > MAX_SEGMENT_BYTES) {
                    throw CorruptLayerException.forEntry(INVALID_NAME, what, "a path segment longer than "
                            + MAX_SEGMENT_BYTES + " bytes");
                }
                segments.add(utf8);
            }
            start = end + 1;
        }
        return segments.toArray(byte[][]::new);
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
