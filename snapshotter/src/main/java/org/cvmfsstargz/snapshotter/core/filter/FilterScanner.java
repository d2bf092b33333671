package org.cvmfsstargz.snapshotter.core.filter;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import org.cvmfsstargz.snapshotter.core.SnapshotException;

/**
 * Splits one filter string into tokens, with the token rules of containerd's
 * {@code filters/scanner.go}, and decodes quoted strings as its {@code quote.go} does.
 *
 * <p>Whitespace is skipped before a token but not by {@link #peek()}, so {@code name==a ,b} is an
 * error, as in containerd. Right after an operator, any run of printable characters up to a comma
 * or whitespace is one value, so values may hold {@code :}, {@code /} or {@code .} unquoted. The
 * characters {@code "}, {@code /} and {@code |} open a quoted string anywhere. Only {@code ~=}
 * accepts the {@code /} and {@code |} forms, which saves escaping quotes in a regular expression.
 *
 * <p>Not thread-safe: one scanner reads one string once.
 */
final class FilterScanner {

    /** What a token is; {@link #OTHER} is a single character that starts no other token. */
    enum Type { FIELD, QUOTED, VALUE, SEPARATOR, OPERATOR, END, OTHER }

    /** One token: its type, where it starts in the filter, and its raw text. */
    record Token(Type type, int position, String text) {}

    static final int END = -1;

    private final String input;
    private int next;
    private boolean afterOperator;

    FilterScanner(String input) {
        this.input = input;
    }

    /** The character at the read position, whitespace included, or {@link #END}. */
    int peek() {
        return next < input.length() ? input.codePointAt(next) : END;
    }

    /** The read position, where {@link #peek()} looks. */
    int position() {
        return next;
    }

    /** Reads the next token; throws if it is an unterminated quote or a NUL character. */
    Token scan() {
        while (isSpace(peek())) {
            advance();
        }
        int start = next;
        int ch = advance();
        if (ch == END) {
            return new Token(Type.END, start, "");
        }
        if (ch == 0) {
            throw error(start, "unexpected NUL character");
        }
        if (ch == '"' || ch == '/' || ch == '|') {
            return scanQuoted(start, ch);
        }
        if (ch == ',' || ch == '.') {
            afterOperator = false;
            return token(Type.SEPARATOR, start);
        }
        if (isOperatorChar(ch)) {
            while (isOperatorChar(peek())) {
                advance();
            }
            afterOperator = true;
            return token(Type.OPERATOR, start);
        }
        if (afterOperator) {
            // containerd takes the value's first character whatever it is, and checks only the rest.
            while (isValueChar(peek())) {
                advance();
            }
            afterOperator = false;
            return token(Type.VALUE, start);
        }
        if (isFieldChar(ch)) {
            while (isFieldChar(peek())) {
                advance();
            }
            return token(Type.FIELD, start);
        }
        return token(Type.OTHER, start);
    }

    /**
     * Decodes a {@link Type#QUOTED} token with the escapes of a Go string literal: {@code \"},
     * {@code \\}, {@code \n}, {@code \t} and the other letters, {@code \x41}, {@code \101}, and the
     * four- and eight-digit u and U escapes. Only the token's own delimiter may be escaped.
     *
     * @param altQuotes whether {@code /.../} and {@code |...|} are accepted (after {@code ~=})
     */
    String unquote(Token token, boolean altQuotes) {
        String raw = token.text();
        char quote = raw.charAt(0);
        if (quote != '"' && !altQuotes) {
            throw error(token.position(),
                    "'" + quote + "' quotes only a regular expression after ~=; use double quotes");
        }
        var bytes = new ByteArrayOutputStream();
        String body = raw.substring(1, raw.length() - 1);
        int i = 0;
        while (i < body.length()) {
            int ch = body.codePointAt(i);
            i += Character.charCount(ch);
            if (ch != '\\') {
                writeUtf8(bytes, ch);
                continue;
            }
            i = unescape(body, i, quote, bytes, token.position());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            throw error(token.position(), "the escapes in " + raw + " do not form valid UTF-8");
        }
    }

    /** An InvalidArgument naming the whole filter, the offset and the reason. */
    SnapshotException.InvalidArgument error(int position, String reason) {
        return error(position, reason, null);
    }

    SnapshotException.InvalidArgument error(int position, String reason, Throwable cause) {
        return new SnapshotException.InvalidArgument(
                "invalid filter '" + input + "' at offset " + position + ": " + reason
                        + " (expected selectors like kind==active,labels.\"containerd.io/gc.root\")",
                cause);
    }

    private Token scanQuoted(int start, int quote) {
        while (true) {
            int ch = advance();
            if (ch == END || ch == '\n') {
                throw error(start, "quoted string not terminated");
            }
            if (ch == 0) {
                throw error(next - 1, "unexpected NUL character");
            }
            if (ch == quote) {
                return token(Type.QUOTED, start);
            }
            if (ch == '\\') {
                advance(); // the escaped character; unquote checks it
            }
        }
    }

    /** Decodes the escape whose letter is at {@code body[i]}; returns the index after it. */
    private int unescape(String body, int i, char quote, ByteArrayOutputStream bytes, int position) {
        char c = body.charAt(i); // the scanner never lets a quoted string end in a lone backslash
        int end = i + switch (c) {
            case 'x' -> 3;
            case 'u' -> 5;
            case 'U' -> 9;
            case '0', '1', '2', '3', '4', '5', '6', '7' -> 3;
            default -> 1;
        };
        if (end > body.length()) {
            throw error(position, "escape sequence \\" + body.substring(i) + " is too short");
        }
        boolean octal = c >= '0' && c <= '7';
        String digits = body.substring(octal ? i : i + 1, end);
        switch (c) {
            case 'a' -> bytes.write(0x07);
            case 'b' -> bytes.write('\b');
            case 'f' -> bytes.write('\f');
            case 'n' -> bytes.write('\n');
            case 'r' -> bytes.write('\r');
            case 't' -> bytes.write('\t');
            case 'v' -> bytes.write(0x0b);
            case '\\' -> bytes.write('\\');
            case 'x' -> bytes.write(number(digits, 16, 0xff, position));
            case 'u', 'U' -> writeUtf8(bytes, number(digits, 16, Character.MAX_CODE_POINT, position));
            case '0', '1', '2', '3', '4', '5', '6', '7' -> bytes.write(number(digits, 8, 0xff, position));
            default -> {
                if (c != quote) {
                    throw error(position, "unknown escape sequence \\" + c + " inside " + quote + "..." + quote);
                }
                bytes.write(c);
            }
        }
        return end;
    }

    private int number(String digits, int radix, int max, int position) {
        int value = 0;
        for (char d : digits.toCharArray()) {
            int digit = "0123456789abcdef".indexOf(Character.toLowerCase(d));
            if (digit < 0 || digit >= radix) {
                throw error(position, "bad digit '" + d + "' in the numeric escape " + digits);
            }
            value = value * radix + digit;
        }
        if (value > max) {
            throw error(position, "numeric escape " + digits + " is out of range");
        }
        return value;
    }

    /** Appends a code point as UTF-8; a surrogate becomes U+FFFD, as Go's utf8.EncodeRune does. */
    private static void writeUtf8(ByteArrayOutputStream bytes, int codePoint) {
        int cp = codePoint >= Character.MIN_SURROGATE && codePoint <= Character.MAX_SURROGATE ? 0xfffd : codePoint;
        bytes.writeBytes(Character.toString(cp).getBytes(StandardCharsets.UTF_8));
    }

    private int advance() {
        int ch = peek();
        if (ch != END) {
            next += Character.charCount(ch);
        }
        return ch;
    }

    private Token token(Type type, int start) {
        return new Token(type, start, input.substring(start, next));
    }

    private static boolean isFieldChar(int ch) {
        return ch == '_' || ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9';
    }

    private static boolean isOperatorChar(int ch) {
        return ch == '=' || ch == '!' || ch == '~';
    }

    /** Go's unicode.IsSpace: ASCII and Latin-1 blanks plus Unicode's space separators. */
    private static boolean isSpace(int ch) {
        return ch >= '\t' && ch <= '\r' || ch == 0x85 || ch >= 0 && Character.isSpaceChar(ch);
    }

    /** Go's "graphic, not space, not comma": letters, marks, numbers, punctuation, symbols. */
    private static boolean isValueChar(int ch) {
        if (ch < 0 || ch == ',') {
            return false;
        }
        return switch (Character.getType(ch)) {
            case Character.CONTROL, Character.FORMAT, Character.PRIVATE_USE, Character.SURROGATE,
                    Character.UNASSIGNED, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
                    Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }
}
