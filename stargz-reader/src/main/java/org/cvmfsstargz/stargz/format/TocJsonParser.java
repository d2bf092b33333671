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
                case "type" -> raw.type = text(p, field);
                case "size" -> raw.size = integer(p, field, raw.label());
                case "modtime" -> raw.modTime = time(text(p, field));
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
                case "chunkDigest" -> raw.chunkDigest = text(p, field);
                case "devMajor" -> raw.devMajor = integer(p, field, raw.label());
                case "devMinor" -> raw.devMinor = integer(p, field, raw.label());
                case "xattrs" -> raw.xattrs = xattrs(p);
                default -> p.skipChildren(); // "digest" (whole file, unused), "NumLink", anything newer
            }
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
    private long time(String text) throws CorruptLayerException {
        if (text.isEmpty()) {
            return 0;
        }
        try {
            if (isPlainUtc(text)) {
                LocalDate date = LocalDate.of(digits(text, 0, 4), digits(text, 5, 2), digits(text, 8, 2));
                LocalTime time = LocalTime.of(digits(text, 11, 2), digits(text, 14, 2), digits(text, 17, 2));
                return date.toEpochDay() * 86_400 + time.toSecondOfDay();
            }
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toEpochSecond();
        } catch (DateTimeException e) {
            throw CorruptLayerException.forEntry(MALFORMED_TOC, raw.label(), "modtime '"
                    + CorruptLayerException.printable(text) + "' is not an RFC 3339 time");
        }
    }

    private static boolean isPlainUtc(String t) {
        if (t.length() != 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':' || t.charAt(19) != 'Z') {
            return false;
        }
        for (int i : new int[] {0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18}) {
            if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static int digits(String text, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            value = value * 10 + (text.charAt(i) - '0');
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
