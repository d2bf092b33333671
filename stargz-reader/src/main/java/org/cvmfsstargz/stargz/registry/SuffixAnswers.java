package org.cvmfsstargz.stargz.registry;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads the answer to a suffix-range GET ({@code Range: bytes=-N}, RFC 9110 §14.1.2: the last N
 * bytes, or the whole representation when it is shorter) into a {@link BlobTail}, or says the
 * answer is not one: a 206 whose {@code Content-Range} is missing, states no total, or is not the
 * blob's last bytes; a 200 (the server ignored {@code Range}) whose body is longer than asked for.
 * Such a body is left unread, so the caller can abandon it (closing it drops the connection)
 * instead of downloading a whole layer, and size the blob another way. Bytes in, records out.
 *
 * <p>Stateless and thread-safe.
 */
final class SuffixAnswers {
    private SuffixAnswers() {}

    /**
     * The tail in an answer with {@code status}, {@code headers} and {@code body} (which the
     * caller closes) to a request for the last {@code length} bytes; empty if the answer is not
     * usable as one, in which case nothing more than the headers was read.
     *
     * @throws IOException if a body the answer announced ends early
     */
    static Optional<BlobTail> read(int status, HttpHeaders headers, InputStream body, int length) throws IOException {
        if (status == 206) {
            Optional<ContentRange> range = headers.firstValue("Content-Range").flatMap(ContentRange::parse);
            if (range.isEmpty() || range.get().total().isEmpty()) {
                return Optional.empty();
            }
            ContentRange part = range.get();
            long total = part.total().getAsLong();
            long expected = Math.min(length, total);
            if (part.last() != total - 1 || part.length() != expected) {
                return Optional.empty();
            }
            return Optional.of(new BlobTail(total, readExactly(body, (int) expected)));
        }
        if (status != 200) {
            return Optional.empty();
        }
        OptionalLong announced = headers.firstValueAsLong("Content-Length");
        if (announced.isPresent()) {
            long size = announced.getAsLong();
            return size < 0 || size > length ? Optional.empty()
                    : Optional.of(new BlobTail(size, readExactly(body, (int) size)));
        }
        byte[] bytes = body.readNBytes(length + 1); // no length announced: the body's end is the blob's
        return bytes.length > length ? Optional.empty() : Optional.of(new BlobTail(bytes.length, bytes));
    }

    private static byte[] readExactly(InputStream body, int length) throws IOException {
        byte[] bytes = body.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("the answer ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }
}
