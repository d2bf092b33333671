package org.cvmfsstargz.stargz.registry;

import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code Content-Range: bytes first-last/total} header value (RFC 9110 §14.4), as a 206 answer
 * or one part of a {@code multipart/byteranges} answer carries it. Immutable.
 *
 * @param first the first byte of the part
 * @param last the last byte of the part, inclusive
 * @param total the blob's size, when the server states it ({@code *} otherwise)
 */
record ContentRange(long first, long last, OptionalLong total) {
    // 18 digits keep every number below Long.MAX_VALUE, so parsing cannot overflow.
    private static final Pattern SYNTAX = Pattern.compile("bytes\\s+(\\d{1,18})-(\\d{1,18})/(\\d{1,18}|\\*)");

    ContentRange {
        if (first < 0 || last < first || total.isPresent() && total.getAsLong() <= last) {
            throw new IllegalArgumentException("bad content range " + first + "-" + last + "/" + total);
        }
    }

    /** The header value parsed, or empty when it is not a satisfied byte range. */
    static Optional<ContentRange> parse(String value) {
        Matcher m = SYNTAX.matcher(value.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long first = Long.parseLong(m.group(1));
        long last = Long.parseLong(m.group(2));
        OptionalLong total = m.group(3).equals("*") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(m.group(3)));
        if (last < first || total.isPresent() && total.getAsLong() <= last) {
            return Optional.empty();
        }
        return Optional.of(new ContentRange(first, last, total));
    }

    /** How many bytes the part holds. */
    long length() {
        return last - first + 1;
    }
}
