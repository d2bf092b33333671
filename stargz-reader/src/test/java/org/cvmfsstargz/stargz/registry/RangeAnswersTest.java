package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.time.Duration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Every shape of answer to a ranged GET, from bytes: no server involved. */
class RangeAnswersTest {
    private static final byte[] BLOB = utf8("0123456789abcdefghijklmnopqrstuvwxyz");
    private static final List<ByteRange> THREE = List.of(new ByteRange(2, 3), new ByteRange(10, 4),
            new ByteRange(30, 2));
    private static final String WHAT = "blob under test";

    private static HttpHeaders headers(Map<String, String> values) {
        return HttpHeaders.of(values.entrySet().stream().collect(Collectors.toMap(
                Map.Entry::getKey, e -> List.of(e.getValue()))), (k, v) -> true);
    }

    private static List<String> read(int status, Map<String, String> headers, byte[] body, List<ByteRange> ranges)
            throws Exception {
        return RangeAnswers.read(status, headers(headers), new ByteArrayInputStream(body), ranges, WHAT).stream()
                .map(b -> new String(b, StandardCharsets.ISO_8859_1)).toList();
    }

    /** A multipart body with one part per {@code [first, last]} pair, in the order given. */
    private static byte[] multipart(String boundary, String newline, long[]... parts) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(utf8("preamble to ignore" + newline));
        for (long[] p : parts) {
            body.writeBytes(utf8("--" + boundary + newline + "Content-Type: application/octet-stream" + newline
                    + "content-range: bytes " + p[0] + "-" + p[1] + "/" + BLOB.length + newline + newline));
            body.writeBytes(Arrays.copyOfRange(BLOB, (int) p[0], (int) p[1] + 1));
            body.writeBytes(utf8(newline));
        }
        body.writeBytes(utf8("--" + boundary + "--" + newline));
        return body.toByteArray();
    }

    private static Map<String, String> multipartType(String boundaryParam) {
        return Map.of("Content-Type", "multipart/byteranges; boundary=" + boundaryParam);
    }

    @Test
    void multipartPartsAreMappedByTheirContentRange() throws Exception {
        byte[] body = multipart("B0UND", "\r\n", new long[] {2, 4}, new long[] {10, 13}, new long[] {30, 31});

        assertThat(read(206, multipartType("B0UND"), body, THREE)).containsExactly("234", "abcd", "uv");
    }

    @Test
    void multipartPartsMergedReorderedAndWiderThanAskedStillGiveEachRange() throws Exception {
        // One part covers the first two ranges and the gap between them; parts come last first.
        byte[] body = multipart("x-y", "\n", new long[] {28, 35}, new long[] {0, 15});

        assertThat(read(206, multipartType("\"x-y\""), body, THREE)).containsExactly("234", "abcd", "uv");
    }

    @Test
    void aMultipartAnswerLackingARequestedRangeIsInvalid() {
        byte[] body = multipart("B", "\r\n", new long[] {2, 4}, new long[] {30, 31});

        assertThatThrownBy(() -> read(206, multipartType("B"), body, THREE))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT);
                    assertThat(e.getMessage()).contains("10-13", "lacks byte 10");
                });
    }

    @Test
    void aMultipartAnswerCutShortIsAnIoFailure() {
        byte[] body = multipart("B", "\r\n", new long[] {2, 4}, new long[] {10, 13}, new long[] {30, 31});
        byte[] cut = Arrays.copyOf(body, body.length / 2);

        assertThatThrownBy(() -> read(206, multipartType("B"), cut, THREE)).isInstanceOf(EOFException.class);
    }

    @Test
    void malformedMultipartAnswersAreInvalid() {
        byte[] body = multipart("B", "\r\n", new long[] {2, 4}, new long[] {10, 13}, new long[] {30, 31});
        byte[] noRange = utf8("--B\r\nContent-Type: text/plain\r\n\r\n234\r\n--B--\r\n");
        byte[] longer = utf8("--B\r\nContent-Range: bytes 2-4/36\r\n\r\n2345\r\n--B--\r\n");

        assertThatThrownBy(() -> read(206, Map.of("Content-Type", "multipart/byteranges"), body, THREE))
                .hasMessageContaining("without a boundary");
        assertThatThrownBy(() -> read(206, multipartType("B"), noRange, THREE.subList(0, 1)))
                .hasMessageContaining("without Content-Range");
        assertThatThrownBy(() -> read(206, multipartType("B"), longer, THREE.subList(0, 1)))
                .hasMessageContaining("no boundary after the part 2-4");
        assertThatThrownBy(() -> read(206, multipartType("OTHER"), body, THREE))
                .hasMessageContaining("without parts");
    }

    @Test
    void aCoalescedSingle206IsSliced() throws Exception {
        byte[] span = Arrays.copyOfRange(BLOB, 2, 32);

        assertThat(read(206, Map.of("Content-Range", "bytes 2-31/36"), span, THREE))
                .containsExactly("234", "abcd", "uv");
    }

    @Test
    void aSingle206StartingAfterTheRangeIsInvalid() {
        assertThatThrownBy(() -> read(206, Map.of("Content-Range", "bytes 3-6/36"), utf8("3456"),
                List.of(new ByteRange(2, 3)))).isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT));
        assertThatThrownBy(() -> read(206, Map.of("Content-Range", "bytes 9-2/36"), utf8("x"),
                List.of(new ByteRange(2, 3)))).hasMessageContaining("unreadable Content-Range");
        assertThatThrownBy(() -> read(206, Map.of(), utf8("x"), THREE)).hasMessageContaining("neither parts");
        assertThatThrownBy(() -> read(204, Map.of(), new byte[0], THREE)).hasMessageContaining("answered 204");
    }

    @Test
    void rangesReachingPastTheStatedSizeComeBackShorterOrEmpty() throws Exception {
        List<ByteRange> tail = List.of(new ByteRange(34, 10), new ByteRange(50, 5));

        assertThat(read(206, Map.of("Content-Range", "bytes 34-35/36"), utf8("yz"), tail)).containsExactly("yz", "");
    }

    @Test
    void aWholeBlobIsReadOnlyUpToTheLastRange() throws Exception {
        CountingStream body = new CountingStream(BLOB);

        List<byte[]> bytes = RangeAnswers.read(200, headers(Map.of()), body, THREE.subList(0, 2), WHAT);

        assertThat(bytes).extracting(String::new).containsExactly("234", "abcd");
        assertThat(body.consumed).isEqualTo(14);
    }

    @Test
    void aWholeBlobEndingInsideOrBeforeARangeGivesWhatThereIs() throws Exception {
        List<ByteRange> ranges = List.of(new ByteRange(34, 4), new ByteRange(40, 2));

        assertThat(read(200, Map.of(), BLOB, ranges)).containsExactly("yz", "");
        assertThat(read(200, Map.of(), BLOB, List.of(new ByteRange(40, 2), new ByteRange(50, 1))))
                .containsExactly("", "");
    }

    @Test
    void aSingleRange206WithoutContentRangeIsTrustedToStartWhereAsked() throws Exception {
        assertThat(read(206, Map.of(), utf8("abcd"), List.of(new ByteRange(10, 4)))).containsExactly("abcd");
    }

    /** Counts the bytes taken from it, skips included. */
    private static final class CountingStream extends InputStream {
        private final ByteArrayInputStream in;
        long consumed;

        CountingStream(byte[] bytes) {
            in = new ByteArrayInputStream(bytes);
        }

        @Override
        public int read() {
            int b = in.read();
            consumed += b < 0 ? 0 : 1;
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            consumed += Math.max(n, 0);
            return n;
        }

        @Override
        public long skip(long n) {
            long skipped = in.skip(n);
            consumed += skipped;
            return skipped;
        }
    }

    @Test
    void aMultipartAnswerWhosePreambleNeverEndsIsRefusedWithoutReadingItAll() {
        InputStream endless = new InputStream() { // a preamble line, for ever: never a boundary
            private long served;

            @Override
            public int read() {
                return served++ % 10 == 9 ? '\n' : 'x';
            }
        };

        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThatThrownBy(() -> RangeAnswers.read(206,
                headers(multipartType("B0UND")), endless, THREE, WHAT))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT);
                    assertThat(e.getMessage()).contains("no boundary in its first " + RangeAnswers.MAX_PREAMBLE);
                }));
    }
}
