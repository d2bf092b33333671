package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.RangeRoutes.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RegistryClient#readRanges} against each way a server answers several ranges. */
class RegistryRangesTest {
    private static final byte[] BLOB = new byte[64 * 1024];
    private static final Digest DIGEST;
    private static final String PATH;
    private static final List<ByteRange> RANGES = List.of(new ByteRange(0, 10), new ByteRange(100, 1000),
            new ByteRange(5000, 7), new ByteRange(BLOB.length - 5, 5));

    static {
        new Random(42).nextBytes(BLOB);
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

    private static byte[] expected(ByteRange r) {
        int from = (int) Math.min(r.offset(), BLOB.length);
        return Arrays.copyOfRange(BLOB, from, (int) Math.min(r.end(), BLOB.length));
    }

    private static void assertExact(List<byte[]> bytes, List<ByteRange> ranges) {
        assertThat(bytes).hasSameSizeAs(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            assertThat(bytes.get(i)).as("range %s", ranges.get(i)).isEqualTo(expected(ranges.get(i)));
        }
    }

    private List<String> rangeHeaders() {
        return registry.requests().stream().map(s -> s.header("Range").orElse("none")).toList();
    }

    @Test
    void severalRangesGoInOneRequestAndComeBackFromAMultipartAnswer() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART));

        assertExact(client.readRanges(ref(), DIGEST, RANGES), RANGES);

        assertThat(rangeHeaders()).containsExactly("bytes=0-9,100-1099,5000-5006,65531-65535");
        assertThat(registry.requests().getFirst().header("Accept-Encoding")).hasValue("identity");
    }

    @Test
    void mergedAndReorderedPartsAreMappedByOffset() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART_MERGED_REVERSED));

        assertExact(client.readRanges(ref(), DIGEST, RANGES), RANGES);
        assertThat(registry.requests()).hasSize(1);
    }

    @Test
    void aServerCoalescingTheRangesIntoOneIsSliced() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.COALESCED));

        assertExact(client.readRanges(ref(), DIGEST, RANGES), RANGES);
        assertThat(registry.requests()).hasSize(1);
    }

    @Test
    void aServerIgnoringRangeIsReadThroughOnce() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.WHOLE));

        assertExact(client.readRanges(ref(), DIGEST, RANGES), RANGES);
        assertThat(registry.requests()).hasSize(1);
    }

    @Test
    void aRefusedMultiRangeRequestFallsBackToSingleRangesAndIsRememberedForTheHost() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.REFUSE_MULTI));

        assertExact(client.readRanges(ref(), DIGEST, RANGES), RANGES);
        assertThat(rangeHeaders()).first().isEqualTo("bytes=0-9,100-1099,5000-5006,65531-65535");
        assertThat(rangeHeaders()).hasSize(1 + RANGES.size());
        assertThat(rangeHeaders().subList(1, rangeHeaders().size())).containsExactlyInAnyOrder("bytes=0-9", "bytes=100-1099", "bytes=5000-5006", "bytes=65531-65535");

        List<ByteRange> later = List.of(new ByteRange(7, 3), new ByteRange(20_000, 2));
        assertExact(client.readRanges(ref(), DIGEST, later), later);
        List<String> all = rangeHeaders();
        assertThat(all).hasSize(1 + RANGES.size() + later.size()).filteredOn(h -> h.contains(",")).hasSize(1);
        assertThat(all.subList(all.size() - 2, all.size())).containsExactlyInAnyOrder("bytes=7-9", "bytes=20000-20001");
    }

    @Test
    void forcedSingleRangeModeNeverSendsSeveralRanges() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART));
        try (RegistryClient single = new RegistryClient(FAST.withForceSingleRange(true))) {
            assertExact(single.readRanges(ref(), DIGEST, RANGES), RANGES);
        }
        assertThat(rangeHeaders()).hasSize(RANGES.size()).noneMatch(h -> h.contains(","));
    }

    @Test
    void manyRangesAreSplitIntoRequestsOfAtMost32() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART));
        List<ByteRange> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.add(new ByteRange(i * 1000L, 10));
        }

        assertExact(client.readRanges(ref(), DIGEST, many), many);
        assertThat(rangeHeaders()).hasSize(2).extracting(h -> h.split(",").length).containsExactly(32, 8);
    }

    @Test
    void adjacentRangesAreAskedForAsOne() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.REFUSE_MULTI));
        List<ByteRange> adjacent = List.of(new ByteRange(10, 5), new ByteRange(15, 5), new ByteRange(20, 1));

        assertExact(client.readRanges(ref(), DIGEST, adjacent), adjacent);
        assertThat(rangeHeaders()).containsExactly("bytes=10-20");
    }

    @Test
    void rangesAtOrPastTheEndOfTheBlobComeBackShortOrEmpty() throws Exception {
        registry.route(PATH, RangeRoutes.blob(BLOB, Mode.MULTIPART));
        List<ByteRange> tail = List.of(new ByteRange(BLOB.length - 3, 10), new ByteRange(BLOB.length + 10, 4));

        assertExact(client.readRanges(ref(), DIGEST, tail), tail);
        assertThat(client.readRange(ref(), DIGEST, BLOB.length + 1, 4)).isEmpty();
    }

    @Test
    void unsortedOrOverlappingRangesAreRefusedBeforeAnyRequest() {
        assertThatThrownBy(() -> client.readRanges(ref(), DIGEST, List.of(new ByteRange(10, 5), new ByteRange(0, 5))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> client.readRanges(ref(), DIGEST, List.of(new ByteRange(0, 5), new ByteRange(4, 5))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0-4 then 4-8");
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void noRangesIsNoRequest() throws Exception {
        assertThat(client.readRanges(ref(), DIGEST, List.of())).isEmpty();
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void aConnectionCutInsideTheBodyIsRetriedWithinTheCallsAttempts() throws Exception {
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        registry.route(PATH, exchange -> {
            byte[] part = Arrays.copyOfRange(BLOB, 100, 1100);
            exchange.getResponseHeaders().set("Content-Range", "bytes 100-1099/" + BLOB.length);
            exchange.sendResponseHeaders(206, part.length);
            if (requests.incrementAndGet() == 1) {
                try (var body = exchange.getResponseBody()) {
                    body.write(part, 0, part.length / 2); // then the connection goes away
                } catch (java.io.IOException expected) {
                    // the server refuses to close a body it has not finished: the connection drops
                }
                return;
            }
            try (var body = exchange.getResponseBody()) {
                body.write(part);
            }
        });

        byte[] bytes = client.readRange(ref(), DIGEST, 100, 1000);

        assertThat(bytes).isEqualTo(expected(new ByteRange(100, 1000)));
        assertThat(requests).hasValue(2);
    }
}
