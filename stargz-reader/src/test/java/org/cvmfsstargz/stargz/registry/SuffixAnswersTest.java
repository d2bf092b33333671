package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.net.http.HttpHeaders;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every shape of answer to a suffix-range GET, from bytes: what is a tail, and what is abandoned unread. */
class SuffixAnswersTest {
    private static final byte[] BLOB = utf8("0123456789abcdefghijklmnopqrstuvwxyz");

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> List.of(e.getValue()))), (k, v) -> true);
    }

    /** The tail read from the answer, and how many body bytes were left unread. */
    private record Read(Optional<BlobTail> tail, int unread) {}

    private static Read read(int status, Map<String, String> headers, byte[] body, int length) throws Exception {
        ByteArrayInputStream in = new ByteArrayInputStream(body);
        Optional<BlobTail> tail = SuffixAnswers.read(status, headers(headers), in, length);
        return new Read(tail, in.available());
    }

    private static byte[] last(int n) {
        return Arrays.copyOfRange(BLOB, BLOB.length - n, BLOB.length);
    }

    @Test
    void a206WithTheLastBytesAndTheTotalIsTheTail() throws Exception {
        Read read = read(206, Map.of("Content-Range", "bytes 26-35/36"), last(10), 10);

        assertThat(read.tail()).hasValueSatisfying(t -> {
            assertThat(t.blobSize()).isEqualTo(36);
            assertThat(t.bytes()).isEqualTo(last(10));
        });
    }

    @Test
    void aBlobShorterThanAskedComesWholeIn206Or200() throws Exception {
        assertThat(read(206, Map.of("Content-Range", "bytes 0-35/36"), BLOB, 64).tail())
                .hasValueSatisfying(t -> assertThat(t.bytes()).isEqualTo(BLOB));
        assertThat(read(200, Map.of("Content-Length", "36"), BLOB, 64).tail())
                .hasValueSatisfying(t -> assertThat(t.blobSize()).isEqualTo(36));
        assertThat(read(200, Map.of(), BLOB, 64).tail())
                .hasValueSatisfying(t -> assertThat(t.bytes()).isEqualTo(BLOB));
    }

    @Test
    void aWholeBlobLongerThanAskedIsLeftUnread() throws Exception {
        Read announced = read(200, Map.of("Content-Length", "36"), BLOB, 10);
        Read chunked = read(200, Map.of(), BLOB, 10);

        assertThat(announced.tail()).isEmpty();
        assertThat(announced.unread()).as("body bytes left unread").isEqualTo(BLOB.length);
        assertThat(chunked.tail()).isEmpty();
        assertThat(chunked.unread()).as("no more than asked for plus one is read").isEqualTo(BLOB.length - 11);
    }

    @Test
    void a206ThatIsNotTheBlobsEndOrStatesNoSizeIsNoTail() throws Exception {
        assertThat(read(206, Map.of("Content-Range", "bytes 0-9/36"), Arrays.copyOf(BLOB, 10), 10).tail()).isEmpty();
        assertThat(read(206, Map.of("Content-Range", "bytes 16-35/36"), last(20), 10).tail()).isEmpty();
        assertThat(read(206, Map.of("Content-Range", "bytes 26-35/*"), last(10), 10).tail()).isEmpty();
        assertThat(read(206, Map.of(), last(10), 10).tail()).isEmpty();
        assertThat(read(204, Map.of(), new byte[0], 10).tail()).isEmpty();
    }

    @Test
    void aTailCutShortIsAnIoErrorForTheTransportToRetry() {
        assertThatThrownBy(() -> read(206, Map.of("Content-Range", "bytes 26-35/36"), last(5), 10))
                .isInstanceOf(EOFException.class);
        assertThatThrownBy(() -> read(200, Map.of("Content-Length", "36"), Arrays.copyOf(BLOB, 20), 64))
                .isInstanceOf(EOFException.class);
    }
}
