package org.cvmfsstargz.stargz.registry;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the answer to a ranged GET into the requested ranges, whichever shape the server chose
 * (RFC 9110 §14): a 206 {@code multipart/byteranges} body, whose parts may be merged or
 * reordered; a 206 with one {@code Content-Range} (one range asked, or several coalesced into
 * one); or a 200 with the whole blob from a server that ignores {@code Range}, read only up to
 * the last requested byte. Bytes in, byte arrays out: no connection is touched here.
 *
 * <p>Stateless and thread-safe.
 */
final class RangeAnswers {
    private static final Pattern BOUNDARY = Pattern.compile(
            ";\\s*boundary\\s*=\\s*(?:\"([^\"]{1,200})\"|([^;\\s]{1,200}))", Pattern.CASE_INSENSITIVE);
    private static final int MAX_LINE = 8192;
    private static final int MAX_PART_HEADERS = 32;
    /** RFC 2046's preamble is for non-MIME readers; servers send none or a line, never this much. */
    static final int MAX_PREAMBLE = 8192;

    private RangeAnswers() {}

    /**
     * The bytes of each of {@code ranges}, in order, from an answer with {@code status},
     * {@code headers} and {@code body} (which the caller closes).
     *
     * @throws IOException if the body ends early or cannot be read
     * @throws RegistryException {@code INVALID_CONTENT} for an answer that contradicts the request
     */
    static List<byte[]> read(int status, HttpHeaders headers, InputStream body, List<ByteRange> ranges, String what)
            throws IOException, RegistryException {
        RangeAssembler into = new RangeAssembler(ranges);
        if (status == 200) {
            into.toBlobEnd(0, body);
            return into.results(what);
        }
        if (status != 206) {
            throw invalid(what, "the server answered " + status + " to a ranged GET");
        }
        String type = headers.firstValue("Content-Type").orElse("");
        if (type.trim().toLowerCase(Locale.ROOT).startsWith("multipart/byteranges")) {
            Matcher m = BOUNDARY.matcher(type);
            if (!m.find()) {
                throw invalid(what, "a multipart/byteranges answer without a boundary");
            }
            readParts(body, m.group(1) != null ? m.group(1) : m.group(2), into, what);
            return into.results(what);
        }
        Optional<String> header = headers.firstValue("Content-Range");
        if (header.isPresent()) {
            ContentRange part = ContentRange.parse(header.get())
                    .orElseThrow(() -> invalid(what, "unreadable Content-Range '" + header.get() + "'"));
            part.total().ifPresent(into::blobEndsAt);
            into.part(part.first(), part.length(), body);
        } else if (ranges.size() == 1) {
            // One range asked and a 206 without Content-Range: trust it starts where asked.
            into.toBlobEnd(ranges.getFirst().offset(), body);
        } else {
            throw invalid(what, "a 206 answer to several ranges with neither parts nor a Content-Range");
        }
        return into.results(what);
    }

    /**
     * Reads {@code --boundary}-delimited parts, each with its own {@code Content-Range}; a part's
     * length comes from that header, so its bytes are never searched for the boundary.
     */
    private static void readParts(InputStream body, String boundary, RangeAssembler into, String what)
            throws IOException, RegistryException {
        String delimiter = "--" + boundary;
        String line;
        long preamble = 0;
        do { // the preamble, if any: bounded, or an answer without the boundary would be read to its end
            if (preamble > MAX_PREAMBLE) {
                throw invalid(what, "a multipart answer with no boundary in its first " + MAX_PREAMBLE + " bytes");
            }
            line = readLine(body).orElseThrow(() -> invalid(what, "a multipart answer without parts"));
            preamble += line.length() + 1;
        } while (!line.stripTrailing().equals(delimiter));
        while (true) {
            Optional<ContentRange> range = Optional.empty();
            for (int n = 0; !(line = readLine(body).orElseThrow(EOFException::new)).isEmpty(); n++) {
                if (n == MAX_PART_HEADERS) {
                    throw invalid(what, "a part with more than " + MAX_PART_HEADERS + " header lines");
                }
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase("Content-Range")) {
                    String value = line.substring(colon + 1);
                    range = Optional.of(ContentRange.parse(value)
                            .orElseThrow(() -> invalid(what, "a part with Content-Range '" + value.trim() + "'")));
                }
            }
            ContentRange part = range.orElseThrow(() -> invalid(what, "a part without Content-Range"));
            part.total().ifPresent(into::blobEndsAt);
            into.part(part.first(), part.length(), body);
            line = readLine(body).orElseThrow(EOFException::new);
            if (line.isEmpty()) { // the CRLF that ends the part's bytes
                line = readLine(body).orElseThrow(EOFException::new);
            }
            String marker = line.stripTrailing();
            if (marker.equals(delimiter + "--")) {
                return;
            }
            if (!marker.equals(delimiter)) {
                throw invalid(what, "no boundary after the part " + part.first() + "-" + part.last()
                        + " (a part longer than its Content-Range?)");
            }
        }
    }

    /** One line without its CR LF (or bare LF), or empty at the end of the stream. */
    private static Optional<String> readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(80);
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                return line.size() == 0 ? Optional.empty() : Optional.of(line.toString(StandardCharsets.ISO_8859_1));
            }
            if (line.size() == MAX_LINE) {
                throw new IOException("a multipart header line longer than " + MAX_LINE + " bytes");
            }
            line.write(b);
        }
        String text = line.toString(StandardCharsets.ISO_8859_1);
        return Optional.of(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
    }

    private static RegistryException invalid(String what, String problem) {
        return new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": " + problem);
    }
}
