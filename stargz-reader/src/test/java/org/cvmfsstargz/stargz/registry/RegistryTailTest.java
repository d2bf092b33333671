package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.RangeRoutes.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RegistryClient#readTail}: one suffix-range GET where the registry answers it, and the
 * HEAD-then-range path, remembered per host, where it does not; a whole blob sent in answer to a
 * suffix range is abandoned, never downloaded.
 */
class RegistryTailTest {
    private static final byte[] BLOB = new byte[200_000];
    private static final Digest DIGEST;
    private static final String PATH;
    private static final int TAIL = 65_536;

    static {
        new Random(7).nextBytes(BLOB);
        DIGEST = Digest.sha256(BLOB);
        PATH = "/v2/it/app/blobs/" + DIGEST;
    }

    private TestRegistry registry;
    private RegistryClient client;

    @BeforeEach
    void start() throws Exception {
        registry = TestRegistry.start();
        client = new RegistryClient(FAST);
    }

    @AfterEach
    void stop() {
        client.close();
        registry.close();
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.hostPort() + "/it/app:1");
    }

    private List<String> requests() {
        return registry.requests().stream().map(s -> s.method() + " " + s.header("Range").orElse("-")).toList();
    }

    private static byte[] last(byte[] blob, int n) {
        return Arrays.copyOfRange(blob, Math.max(0, blob.length - n), blob.length);
    }

    @Test
    void oneSuffixRangeGivesTheTailAndTheSizeWithoutAHead() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART));

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isEqualTo(BLOB.length);
        assertThat(tail.bytes()).isEqualTo(last(BLOB, TAIL));
        assertThat(requests()).containsExactly("GET bytes=-65536");
    }

    @Test
    void aBlobShorterThanTheTailComesWholeFromOneRequest() throws Exception {
        byte[] small = Arrays.copyOf(BLOB, 1000);
        registry.route(PATH, RangeRoutes.blob(small, Mode.MULTIPART));

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isEqualTo(1000);
        assertThat(tail.bytes()).isEqualTo(small);
        assertThat(requests()).containsExactly("GET bytes=-65536");
    }

    @Test
    void aSmallBlobFromARegistryIgnoringRangeIsTakenFromItsWholeAnswer() throws Exception {
        byte[] small = Arrays.copyOf(BLOB, 1000);
        registry.route(PATH, RangeRoutes.blob(small, Mode.WHOLE));

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isEqualTo(1000);
        assertThat(tail.bytes()).isEqualTo(small);
        assertThat(requests()).containsExactly("GET bytes=-65536");
    }

    @Test
    void aWholeBlobAnsweringASuffixRangeIsAbandonedAndTheHostIsSizedByHeadFromThenOn() throws Exception {
        long size = 256L << 20;
        AtomicLong written = new AtomicLong();
        CountDownLatch abandoned = new CountDownLatch(1);
        registry.route(PATH, ex -> suffixIgnoringRegistry(ex, size, written, abandoned));

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);
        BlobTail again = client.readTail(ref(), DIGEST, 100);

        assertThat(tail.blobSize()).isEqualTo(size);
        assertThat(tail.bytes()).isEqualTo(tailOfVirtualBlob(size, TAIL));
        assertThat(again.bytes()).isEqualTo(tailOfVirtualBlob(size, 100));
        assertThat(requests()).containsExactly("GET bytes=-65536", "HEAD -", "GET bytes=268369920-268435455",
                "HEAD -", "GET bytes=268435356-268435455");
        assertThat(abandoned.await(10, TimeUnit.SECONDS)).as("the whole-blob answer ended").isTrue();
        assertThat(written.get()).as("bytes of the 256 MiB answer the server got out").isLessThan(size / 4);
    }

    @Test
    void a416ToASuffixRangeOfANonEmptyBlobFallsBackToHeadAndRange() throws Exception {
        registry.route(PATH, ex -> {
            if (ex.getRequestHeaders().getFirst("Range") != null
                    && ex.getRequestHeaders().getFirst("Range").startsWith("bytes=-")) {
                respond(ex, 416, Map.of(), new byte[0]);
            } else {
                RangeRoutes.blob(BLOB, Mode.MULTIPART).handle(ex);
            }
        });

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);
        client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isEqualTo(BLOB.length);
        assertThat(tail.bytes()).isEqualTo(last(BLOB, TAIL));
        assertThat(requests()).containsExactly("GET bytes=-65536", "HEAD -", "GET bytes=134464-199999",
                "HEAD -", "GET bytes=134464-199999");
    }

    @Test
    void anEmptyBlobHasAnEmptyTailAndSaysNothingAboutTheHost() throws Exception {
        registry.route(PATH, RangeRoutes.blob(new byte[0], Mode.MULTIPART));

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);
        client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isZero();
        assertThat(tail.bytes()).isEmpty();
        assertThat(requests()).containsExactly("GET bytes=-65536", "HEAD -", "GET bytes=-65536", "HEAD -");
    }

    @Test
    void aSuffixAnswerWithoutTheBlobSizeFallsBack() throws Exception {
        registry.route(PATH, ex -> {
            String range = ex.getRequestHeaders().getFirst("Range");
            if (range != null && range.startsWith("bytes=-")) {
                respond(ex, 206, Map.of("Content-Range", "bytes " + (BLOB.length - TAIL) + "-" + (BLOB.length - 1)
                        + "/*"), last(BLOB, TAIL));
            } else {
                RangeRoutes.blob(BLOB, Mode.MULTIPART).handle(ex);
            }
        });

        BlobTail tail = client.readTail(ref(), DIGEST, TAIL);

        assertThat(tail.blobSize()).isEqualTo(BLOB.length);
        assertThat(tail.bytes()).isEqualTo(last(BLOB, TAIL));
        assertThat(requests()).containsExactly("GET bytes=-65536", "HEAD -", "GET bytes=134464-199999");
    }

    @Test
    void aMissingBlobIsNotFoundAtTheFirstRequest() {
        assertThatThrownBy(() -> client.readTail(ref(), DIGEST, TAIL))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.NOT_FOUND));
        assertThat(requests()).containsExactly("GET bytes=-65536");
    }

    /**
     * A blob of {@code size} bytes (zeros, then the last 64 KiB of {@link #BLOB}) from a server
     * that answers a suffix range with the whole blob (200), HEAD with its length and an explicit
     * range with a 206; counts what it got out of the whole-blob answer before the client left.
     */
    private static void suffixIgnoringRegistry(HttpExchange ex, long size, AtomicLong written,
            CountDownLatch abandoned) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().set("Content-Length", Long.toString(size));
            ex.sendResponseHeaders(200, -1);
        } else if (range != null && !range.startsWith("bytes=-")) {
            String[] ends = range.substring("bytes=".length()).split("-");
            long first = Long.parseLong(ends[0]);
            long lastByte = Long.parseLong(ends[1]);
            byte[] tail = tailOfVirtualBlob(size, (int) (size - first));
            respond(ex, 206, Map.of("Content-Range", "bytes " + first + "-" + lastByte + "/" + size),
                    Arrays.copyOf(tail, (int) (lastByte - first + 1)));
        } else {
            ex.sendResponseHeaders(200, size);
            byte[] zeros = new byte[64 << 10];
            try (OutputStream out = ex.getResponseBody()) {
                for (long sent = 0; sent < size; sent += zeros.length) {
                    out.write(zeros);
                    written.addAndGet(zeros.length);
                }
            } catch (IOException e) {
                // The client abandoned the answer, as it should.
            } finally {
                abandoned.countDown();
            }
        }
    }

    private static byte[] tailOfVirtualBlob(long size, int n) {
        byte[] out = new byte[n];
        byte[] end = last(BLOB, TAIL);
        for (int i = 0; i < n; i++) {
            long offset = size - n + i;
            long fromEnd = size - offset;
            out[i] = fromEnd <= TAIL ? end[(int) (TAIL - fromEnd)] : 0;
        }
        return out;
    }
}
