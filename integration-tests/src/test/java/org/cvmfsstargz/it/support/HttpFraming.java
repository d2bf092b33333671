package org.cvmfsstargz.it.support;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Just enough HTTP/1.1 (RFC 9112) to relay messages unchanged and know where each one ends: reading
 * a head (start line and header fields), working out how its body is delimited, and copying that
 * body while counting its payload bytes. Nothing is rewritten: the bytes that come in go out.
 * Stateless.
 */
final class HttpFraming {
    /** Larger heads are refused; registries and containerd send a few hundred bytes. */
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final int MAX_LINE_BYTES = 8 * 1024;

    private HttpFraming() {}

    /** A message head as received: the raw bytes to forward, and the parsed start line and fields. */
    record Head(byte[] raw, String startLine, List<String> fields) {
        Head {
            raw = raw.clone();
            fields = List.copyOf(fields);
        }

        /** The first value of the header field {@code name} (case-insensitive), trimmed. */
        Optional<String> field(String name) {
            String prefix = name.toLowerCase(Locale.ROOT) + ":";
            return fields.stream()
                    .filter(f -> f.toLowerCase(Locale.ROOT).startsWith(prefix))
                    .map(f -> f.substring(prefix.length()).strip())
                    .findFirst();
        }

        boolean chunked() {
            return field("Transfer-Encoding").map(v -> v.toLowerCase(Locale.ROOT).contains("chunked")).orElse(false);
        }

        Optional<Long> contentLength() {
            return field("Content-Length").map(Long::parseLong);
        }
    }

    /** How a body ends (RFC 9112 §6.3). */
    sealed interface Framing {
        record None() implements Framing {}

        record Fixed(long length) implements Framing {}

        record Chunked() implements Framing {}

        /** A response with neither length nor chunking ends when the server closes the connection. */
        record UntilClose() implements Framing {}
    }

    /** A request has a body only if it says so. */
    static Framing requestFraming(Head head) {
        if (head.chunked()) {
            return new Framing.Chunked();
        }
        return head.contentLength().<Framing>map(Framing.Fixed::new).orElse(new Framing.None());
    }

    /** Answers to HEAD, 1xx, 204 and 304 never have a body, whatever their Content-Length says. */
    static Framing responseFraming(String requestMethod, int status, Head head) {
        if (requestMethod.equals("HEAD") || status / 100 == 1 || status == 204 || status == 304) {
            return new Framing.None();
        }
        if (head.chunked()) {
            return new Framing.Chunked();
        }
        return head.contentLength().<Framing>map(Framing.Fixed::new).orElse(new Framing.UntilClose());
    }

    /** The status code of a response's start line {@code HTTP/1.1 200 OK}. */
    static int status(Head response) throws IOException {
        String[] parts = response.startLine().split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            throw new IOException("not an HTTP response: " + response.startLine());
        }
        return Integer.parseInt(parts[1]);
    }

    /** The next head from {@code in}; empty if the peer closed the connection before sending one. */
    static Optional<Head> readHead(InputStream in) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream(512);
        List<String> lines = new ArrayList<>();
        while (true) {
            Optional<String> line = readLine(in, raw);
            if (line.isEmpty()) {
                if (raw.size() == 0) {
                    return Optional.empty();
                }
                throw new EOFException("connection closed inside a message head");
            }
            if (line.get().isEmpty()) {
                if (lines.isEmpty()) {
                    continue; // RFC 9112 §2.2: ignore empty lines before a request line
                }
                return Optional.of(new Head(raw.toByteArray(), lines.getFirst(), lines.subList(1, lines.size())));
            }
            lines.add(line.get());
            if (raw.size() > MAX_HEAD_BYTES) {
                throw new IOException("message head over " + MAX_HEAD_BYTES + " bytes");
            }
        }
    }

    /**
     * Copies one body delimited by {@code framing} from {@code in} to {@code out}, adding each
     * payload byte to {@code served} as it goes, so a body cut short is still counted as far as it
     * got. Chunk sizes and trailers are copied too but not counted. Does not flush: the caller
     * decides what must happen before the peer sees the end of the body.
     */
    static void relayBody(InputStream in, OutputStream out, Framing framing, AtomicLong served) throws IOException {
        switch (framing) {
            case Framing.None none -> {}
            case Framing.Fixed fixed -> copy(in, out, fixed.length(), served, true);
            case Framing.UntilClose untilClose -> copy(in, out, Long.MAX_VALUE, served, false);
            case Framing.Chunked chunked -> relayChunks(in, out, served);
        }
    }

    private static void relayChunks(InputStream in, OutputStream out, AtomicLong served) throws IOException {
        while (true) {
            ByteArrayOutputStream sizeLine = new ByteArrayOutputStream();
            String line = readLine(in, sizeLine).orElseThrow(() -> new EOFException("connection closed before a chunk"));
            out.write(sizeLine.toByteArray());
            int extension = line.indexOf(';');
            long size = Long.parseLong((extension < 0 ? line : line.substring(0, extension)).strip(), 16);
            if (size == 0) {
                relayTrailers(in, out);
                return;
            }
            copy(in, out, size, served, true);
            ByteArrayOutputStream end = new ByteArrayOutputStream(2);
            readLine(in, end).orElseThrow(() -> new EOFException("connection closed after a chunk"));
            out.write(end.toByteArray());
        }
    }

    private static void relayTrailers(InputStream in, OutputStream out) throws IOException {
        while (true) {
            ByteArrayOutputStream trailer = new ByteArrayOutputStream();
            String line = readLine(in, trailer).orElseThrow(() -> new EOFException("connection closed in trailers"));
            out.write(trailer.toByteArray());
            if (line.isEmpty()) {
                return;
            }
        }
    }

    private static void copy(InputStream in, OutputStream out, long length, AtomicLong served, boolean exact)
            throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long left = length;
        while (left > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                if (exact) {
                    throw new EOFException("connection closed with " + left + " of " + length + " body bytes missing");
                }
                return;
            }
            out.write(buffer, 0, n);
            served.addAndGet(n);
            left -= n;
        }
    }

    /**
     * One line up to and including LF, appended raw to {@code raw}; returned without CR LF.
     * Empty if the stream ended before any byte of it.
     */
    private static Optional<String> readLine(InputStream in, ByteArrayOutputStream raw) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(128);
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (line.size() == 0) {
                    return Optional.empty();
                }
                throw new EOFException("connection closed inside a line");
            }
            raw.write(b);
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return Optional.of(text.endsWith("\r") ? text.substring(0, text.length() - 1) : text);
            }
            line.write(b);
            if (line.size() > MAX_LINE_BYTES) {
                throw new IOException("line over " + MAX_LINE_BYTES + " bytes");
            }
        }
    }
}
