package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.ABSURD_SIZE;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_TOC;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_TOO_LARGE;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads {@code stargz.index.json} with Jackson's streaming parser, token by token, handing each
 * entry to a {@link TocBuilder} as soon as its object closes: no tree, no per-entry object kept.
 * Unknown keys (such as the stale {@code NumLink}) are skipped, {@code null} means absent, numbers
 * must be integers, {@code xattrs} values are base64 as Go encodes {@code []byte}.
 */
final class TocJsonParser {
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(64)
                    .maxNumberLength(64)
                    .maxStringLength(16 << 20)
                    .maxNameLength(4096)
                    .build())
            .build();

    private static final String SHA256 = "sha256:";
    /** Where {@code 2006-01-02T15:04:05Z} has digits. */
    private static final int[] DIGIT_POSITIONS = {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18};

    private final TocBuilder builder;
    private final int maxXattrBytes;
    private final RawEntry raw = new RawEntry();

    TocJsonParser(TocBuilder builder, int maxXattrBytes) {
        this.builder = builder;
        this.maxXattrBytes = maxXattrBytes;
    }

    /** Parses the whole JSON document from {@code in} (not closed) into the builder. */
    void parse(InputStream in) throws CorruptLayerException {
        try (JsonParser p = JSON.createParser(in)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new CorruptLayerException(MALFORMED_TOC, "the TOC is not a JSON object");
            }
            long version = 1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "version" -> version = version(p, value);
                    case "entries" -> entries(p, value);
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new CorruptLayerException(MALFORMED_TOC, "data after the TOC's JSON object");
            }
            if (version != 1) {
                throw new CorruptLayerException(MALFORMED_TOC, "unsupported TOC version " + version);
            }
        } catch (StreamConstraintsException e) {
            throw new CorruptLayerException(TOC_TOO_LARGE, CorruptLayerException.printable(e.getOriginalMessage()), e);
        } catch (JsonProcessingException e) {
            throw new CorruptLayerException(MALFORMED_TOC, "invalid JSON: "
                    + CorruptLayerException.printable(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new CorruptLayerException(MALFORMED_TOC, "unreadable TOC data: " + e.getMessage(), e);
        }
    }

    private static long version(JsonParser p, JsonToken value) throws IOException, CorruptLayerException {
        if (value == JsonToken.VALUE_NULL) {
            return 1;
        }
        if (value != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw new CorruptLayerException(MALFORMED_TOC, "'version' is not an integer");
        }
        return p.getLongValue();
    }

    private void entries(JsonParser p, JsonToken value) throws IOException, CorruptLayerException {
        if (value == JsonToken.VALUE_NULL) {
            return;
        }
        if (value != JsonToken.START_ARRAY) {
            throw new CorruptLayerException(MALFORMED_TOC, "'entries' is not an array");
        }
        int index = 0;
        for (JsonToken token; (token = p.nextToken()) != JsonToken.END_ARRAY; index++) {
            if (token != JsonToken.START_OBJECT) {
                throw new CorruptLayerException(MALFORMED_TOC, "entry #" + index + " is not an object");
            }
            raw.reset(index);
            entry(p);
            builder.add(raw);
        }
    }

    private void entry(JsonParser p) throws IOException, CorruptLayerException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            if (p.nextToken() == JsonToken.VALUE_NULL) {
                continue;
            }
            switch (field) {
                case "name" -> raw.name = text(p, field);
                case "type" -> type(p);
                case "size" -> raw.size = integer(p, field, raw.label());
                case "modtime" -> raw.modTime = time(p);
                case "linkName" -> raw.linkName = text(p, field);
                case "mode" -> raw.mode = integer(p, field, raw.label());
                case "uid" -> raw.uid = integer(p, field, raw.label());
                case "gid" -> raw.gid = integer(p, field, raw.label());
                case "userName" -> raw.userName = text(p, field);
                case "groupName" -> raw.groupName = text(p, field);
                case "offset" -> raw.offset = integer(p, field, raw.label());
                case "innerOffset" -> raw.innerOffset = integer(p, field, raw.label());
                case "chunkOffset" -> raw.chunkOffset = integer(p, field, raw.label());
                case "chunkSize" -> raw.chunkSize = integer(p, field, raw.label());
                case "chunkDigest" -> chunkDigest(p);
                case "devMajor" -> raw.devMajor = integer(p, field, raw.label());
                case "devMinor" -> raw.devMinor = integer(p, field, raw.label());
                case "xattrs" -> raw.xattrs = xattrs(p);
                default -> p.skipChildren(); // "digest" (whole file, unused), "NumLink", anything newer
            }
        }
    }

    /*
     * type, chunkDigest and modtime come once per entry and are read from the parser's character
     * buffer: no String per value (a large TOC has hundreds of thousands of entries).
     */

    private void type(JsonParser p) throws IOException, CorruptLayerException {
        requireString(p, "type");
        raw.entryType = EntryType.fromTocName(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
        raw.type = raw.entryType == null ? p.getText() : null;
    }

    /** {@code sha256:} and 64 lowercase hex digits into {@link RawEntry#digest}; "" means none. */
    private void chunkDigest(JsonParser p) throws IOException, CorruptLayerException {
        requireString(p, "chunkDigest");
        char[] text = p.getTextCharacters();
        int from = p.getTextOffset();
        int length = p.getTextLength();
        if (length == 0) {
            return;
        }
        boolean valid = length == SHA256.length() + 64;
        for (int i = 0; valid && i < SHA256.length(); i++) {
            valid = text[from + i] == SHA256.charAt(i);
        }
        for (int i = 0, at = from + SHA256.length(); valid && i < 32; i++, at += 2) {
            int high = lowerHex(text[at]);
            int low = lowerHex(text[at + 1]);
            valid = (high | low) >= 0;
            raw.digest[i] = (byte) (high << 4 | low);
        }
        raw.hasDigest = valid;
        raw.badDigest = valid ? null : p.getText();
    }

    /** Digest's own rule, lower case only, without its regular expression. */
    private static int lowerHex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    private void requireString(JsonParser p, String field) throws CorruptLayerException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "'" + field + "' is not a string");
        }
    }

    private String text(JsonParser p, String field) throws IOException, CorruptLayerException {
        if (p.currentToken() != JsonToken.VALUE_STRING) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "'" + field + "' is not a string");
        }
        return p.getText();
    }

    private static long integer(JsonParser p, String field, String entry) throws IOException, CorruptLayerException {
        if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, entry, "'" + field + "' is not a 64-bit integer");
        }
        return p.getLongValue();
    }

    /**
     * RFC 3339 seconds since the epoch; the reference writer leaves the key out (or empty) for the
     * epoch. Its own form, {@code 2006-01-02T15:04:05Z}, is parsed by hand: java.time's general
     * parser costs several microseconds an entry, a second or more on a large TOC.
     */
    private long time(JsonParser p) throws IOException, CorruptLayerException {
        requireString(p, "modtime");
        char[] t = p.getTextCharacters();
        int at = p.getTextOffset();
        int length = p.getTextLength();
        if (length == 0) {
            return 0;
        }
        try {
            if (isPlainUtc(t, at, length)) {
                LocalDate date = LocalDate.of(digits(t, at, 4), digits(t, at + 5, 2), digits(t, at + 8, 2));
                LocalTime time = LocalTime.of(digits(t, at + 11, 2), digits(t, at + 14, 2), digits(t, at + 17, 2));
                return date.toEpochDay() * 86_400 + time.toSecondOfDay();
            }
            return OffsetDateTime.parse(p.getText(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toEpochSecond();
        } catch (DateTimeException e) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "modtime '"
                    + CorruptLayerException.printable(p.getText()) + "' is not an RFC 3339 time");
        }
    }

    private static boolean isPlainUtc(char[] t, int at, int length) {
        if (length != 20 || t[at + 4] != '-' || t[at + 7] != '-' || t[at + 10] != 'T' || t[at + 13] != ':'
                || t[at + 16] != ':' || t[at + 19] != 'Z') {
            return false;
        }
        for (int i : DIGIT_POSITIONS) {
            if (t[at + i] < '0' || t[at + i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static int digits(char[] text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            value = value * 10 + (text[i] - '0');
        }
        return value;
    }

    private Map<String, byte[]> xattrs(JsonParser p) throws IOException, CorruptLayerException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "'xattrs' is not an object");
        }
        Map<String, byte[]> values = new LinkedHashMap<>();
        long total = 0;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken token = p.nextToken();
            byte[] value = token == JsonToken.VALUE_NULL ? new byte[0] : base64(text(p, "xattrs." + name), name);
            int nameBytes = name.getBytes(StandardCharsets.UTF_8).length;
            if (nameBytes == 0 || nameBytes > TocPaths.MAX_SEGMENT_BYTES || name.indexOf('\0') >= 0) {
                throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "invalid xattr name '"
                        + CorruptLayerException.printable(name) + "'");
            }
            total += nameBytes + value.length;
            if (total > maxXattrBytes) {
                throw CorruptLayerException.forEntry(ABSURD_SIZE, raw.label(), "more than " + maxXattrBytes
                        + " bytes of extended attributes");
            }
            values.put(name, value);
        }
        return Collections.unmodifiableMap(values);
    }

    /** Go's base64.StdEncoding, which also skips line breaks. */
    private byte[] base64(String text, String name) throws CorruptLayerException {
        try {
            return Base64.getDecoder().decode(text.indexOf('\n') < 0 && text.indexOf('\r') < 0 ? text
                    : text.replace("\n", "").replace("\r", ""));
        } catch (IllegalArgumentException e) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "xattr '"
                    + CorruptLayerException.printable(name) + "' is not base64");
        }
    }
}
