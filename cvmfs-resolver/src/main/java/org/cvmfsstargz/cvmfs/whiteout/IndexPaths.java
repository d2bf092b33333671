package org.cvmfsstargz.cvmfs.whiteout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a {@link WhiteoutIndex} writes a path relative to the layer root: {@code .} for the root,
 * else its segments joined by {@code /}, each byte of their UTF-8 form outside {@code !} to
 * {@code ~}, and {@code %} itself, written {@code %XX} (two upper-case hex digits). So a line
 * never holds a space, a control character or a line break, whatever the file names are.
 *
 * <p>Decoding is strict, since an index may come from a repository: it refuses malformed escapes,
 * NUL, bytes that are not UTF-8, absolute paths, empty, {@code .} and {@code ..} segments, and
 * paths longer than {@link WhiteoutIndex#MAX_PATH_BYTES}. Pure; thread-safe (no state).
 */
final class IndexPaths {
    static final String ROOT = ".";
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private IndexPaths() {}

    /** The index form of {@code relative}, a safe path ({@link WhiteoutPlan#isSafe}). */
    static String encode(Path relative) {
        String text = relative.toString();
        if (text.isEmpty()) {
            return ROOT;
        }
        StringBuilder out = new StringBuilder(text.length() + 8);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && c != '%') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
            }
        }
        return out.toString();
    }

    /**
     * The path {@code field} names, or why it is refused. The root ({@code .}) only where
     * {@code rootAllowed}.
     */
    static Result decode(String field, boolean rootAllowed) {
        if (field.equals(ROOT)) {
            return rootAllowed ? new Result(Optional.of(Path.of("")), "") : refused("the layer root is not allowed here");
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c != '%') {
                bytes.write(c);
                continue;
            }
            int high = i + 2 < field.length() ? Character.digit(field.charAt(i + 1), 16) : -1;
            int low = high < 0 ? -1 : Character.digit(field.charAt(i + 2), 16);
            if (low < 0) {
                return refused("malformed %-escape");
            }
            bytes.write(high << 4 | low);
            i += 2;
        }
        if (bytes.size() > WhiteoutIndex.MAX_PATH_BYTES) {
            return refused("path longer than " + WhiteoutIndex.MAX_PATH_BYTES + " bytes");
        }
        byte[] raw = bytes.toByteArray();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            return refused("path is not UTF-8");
        }
        if (text.indexOf('\0') >= 0) {
            return refused("path holds a NUL byte");
        }
        if (text.startsWith("/")) {
            return refused("absolute path");
        }
        for (String segment : text.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return refused("path has an empty, '.' or '..' segment");
            }
        }
        return new Result(Optional.of(Path.of(text)), "");
    }

    private static Result refused(String why) {
        return new Result(Optional.empty(), why);
    }

    /** A decoded path, or (empty) why the field was refused. */
    record Result(Optional<Path> path, String refusal) {}
}
