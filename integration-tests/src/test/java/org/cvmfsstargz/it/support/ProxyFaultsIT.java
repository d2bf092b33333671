package org.cvmfsstargz.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.cvmfsstargz.it.support.ProxyFaults.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProxyFaults} in a {@link CountingProxy} in front of the real registry: each fault does
 * what it says to ranged blob reads, as many times as it is told, while whole-blob GETs and HEADs
 * pass intact; {@link ProxyFaults#clear()} restores a faithful relay.
 */
@Timeout(60)
class ProxyFaultsIT {
    private static final String REPOSITORY = "it/faults";
    private static final int SIZE = 300_000;

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private CountingProxy proxy;
    private HttpClient http;
    private byte[] blob;
    private String digest;

    @BeforeEach
    void startRegistryAndProxyWithOneBlob() throws Exception {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        proxy = CountingProxy.start(registry.hostPort());
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
        blob = OciImageBuilder.Layer.randomBytes(7, SIZE);
        digest = upload(blob);
        proxy.reset();
    }

    @AfterEach
    void stopEverything() {
        try (RegistryProcess r = registry; CountingProxy p = proxy) {
            if (http != null) {
                http.close();
            }
        }
    }

    @Test
    void aCutRangedReadEndsAfterHalfItsBodyAndOnlyTheCountedOnesAreCut() throws Exception {
        proxy.faults().cutRangedReads(1);

        HttpResponse<byte[]> whole = send(get().build());
        assertThatThrownBy(() -> send(get().header("Range", "bytes=1000-1999").build()))
                .isInstanceOf(IOException.class);
        HttpResponse<byte[]> next = send(get().header("Range", "bytes=1000-1999").build());

        assertThat(whole.body()).isEqualTo(blob);
        assertThat(next.statusCode()).isEqualTo(206);
        assertThat(next.body()).isEqualTo(Arrays.copyOfRange(blob, 1000, 2000));
        assertThat(proxy.requests()).containsExactly("GET " + path() + " 200 " + SIZE, "GET " + path() + " 206 500",
                "GET " + path() + " 206 1000");
        assertThat(proxy.faults().applied(Kind.CUT)).isEqualTo(1);
    }

    @Test
    void aStalledRangedReadHoldsHalfItsBodyUntilTheClientClosesItAndOnlyTheCountedOnesStall() throws Exception {
        proxy.faults().stallRangedReads(1);

        HttpResponse<InputStream> stalled = http.send(get().header("Range", "bytes=1000-1999").build(),
                BodyHandlers.ofInputStream());
        try (InputStream body = stalled.body()) {
            assertThat(body.readNBytes(500)).isEqualTo(Arrays.copyOfRange(blob, 1000, 1500));
            assertThat(proxy.faults().applied(Kind.STALL_ABANDONED)).as("held while the client waits").isZero();
        }
        HttpResponse<byte[]> next = send(get().header("Range", "bytes=1000-1999").build());
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (proxy.faults().applied(Kind.STALL_ABANDONED) == 0 && System.nanoTime() < until) {
            Thread.sleep(20);
        }

        assertThat(next.body()).isEqualTo(Arrays.copyOfRange(blob, 1000, 2000));
        assertThat(proxy.faults().applied(Kind.STALLED)).isEqualTo(1);
        assertThat(proxy.faults().applied(Kind.STALL_ABANDONED)).isEqualTo(1);
    }

    @Test
    void clearingTheFaultLetsAStalledAnswerGoOn() throws Exception {
        proxy.faults().stallRangedReads(1);

        HttpResponse<InputStream> stalled = http.send(get().header("Range", "bytes=0-999").build(),
                BodyHandlers.ofInputStream());
        try (InputStream body = stalled.body()) {
            byte[] first = body.readNBytes(500);
            proxy.faults().clear();
            assertThat(first).isEqualTo(Arrays.copyOfRange(blob, 0, 500));
            assertThat(body.readAllBytes()).isEqualTo(Arrays.copyOfRange(blob, 500, 1000));
        }
    }

    @Test
    void rangedReadsAnswer500AsOftenAsToldWhileWholeBlobsAndHeadsPass() throws Exception {
        proxy.faults().failRangedReads(2);

        HttpResponse<byte[]> first = send(get().header("Range", "bytes=0-99").build());
        HttpResponse<byte[]> whole = send(get().build());
        HttpResponse<byte[]> head = send(request().method("HEAD", BodyPublishers.noBody()).build());
        HttpResponse<byte[]> second = send(get().header("Range", "bytes=0-99").build());
        HttpResponse<byte[]> third = send(get().header("Range", "bytes=0-99").build());

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(second.statusCode()).isEqualTo(500);
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(blob);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(third.statusCode()).isEqualTo(206);
        assertThat(third.body()).isEqualTo(Arrays.copyOfRange(blob, 0, 100));
        assertThat(proxy.faults().applied(Kind.SERVER_ERROR)).isEqualTo(2);
        assertThat(proxy.requests()).filteredOn(line -> line.contains(" 500 ")).hasSize(2);
    }

    @Test
    void ignoringSuffixRangesSendsTheWholeBlobForThemAlone() throws Exception {
        proxy.faults().ignoreSuffixRange(true);

        HttpResponse<byte[]> suffix = send(get().header("Range", "bytes=-1000").build());
        HttpResponse<byte[]> ranged = send(get().header("Range", "bytes=1000-1999").build());

        assertThat(suffix.statusCode()).isEqualTo(200);
        assertThat(suffix.body()).isEqualTo(blob);
        assertThat(ranged.statusCode()).isEqualTo(206);
        assertThat(ranged.body()).isEqualTo(Arrays.copyOfRange(blob, 1000, 2000));
        assertThat(proxy.faults().applied(Kind.IGNORED_SUFFIX_RANGE)).isEqualTo(1);
        assertThat(proxy.blobRequests(digest)).extracting(CountingProxy.BlobRequest::range)
                .containsExactly(java.util.Optional.of("bytes=-1000"), java.util.Optional.of("bytes=1000-1999"));
    }

    @Test
    void ignoringRangeMakesTheRegistryAnswerWithTheWholeBlob() throws Exception {
        proxy.faults().ignoreRange(true);

        HttpResponse<byte[]> ranged = send(get().header("Range", "bytes=1000-1999").build());

        assertThat(ranged.statusCode()).isEqualTo(200);
        assertThat(ranged.body()).isEqualTo(blob);
        assertThat(proxy.faults().applied(Kind.IGNORED_RANGE)).isEqualTo(1);
        assertThat(proxy.blobBytes(digest)).isEqualTo(SIZE);
    }

    @Test
    void aFlippedBitReachesOnlyRangedReadsThatHoldItsOffset() throws Exception {
        proxy.faults().flipBit(digest, 1500);

        HttpResponse<byte[]> holding = send(get().header("Range", "bytes=1000-1999").build());
        HttpResponse<byte[]> before = send(get().header("Range", "bytes=0-999").build());
        HttpResponse<byte[]> whole = send(get().build());

        byte[] expected = Arrays.copyOfRange(blob, 1000, 2000);
        expected[500] ^= 1;
        assertThat(holding.body()).isEqualTo(expected);
        assertThat(before.body()).isEqualTo(Arrays.copyOfRange(blob, 0, 1000));
        assertThat(whole.body()).isEqualTo(blob);
        assertThat(proxy.faults().applied(Kind.FLIPPED_BIT)).isEqualTo(1);
    }

    @Test
    void delayAndBandwidthSlowEveryAnswerAndClearRestoresAFaithfulRelay() throws Exception {
        proxy.faults().delayAnswers(Duration.ofMillis(200)).limitBandwidth(1_000_000);

        long started = System.nanoTime();
        HttpResponse<byte[]> head = send(request().method("HEAD", BodyPublishers.noBody()).build());
        Duration headTime = Duration.ofNanos(System.nanoTime() - started);
        started = System.nanoTime();
        HttpResponse<byte[]> whole = send(get().build());
        Duration wholeTime = Duration.ofNanos(System.nanoTime() - started);
        proxy.faults().clear();
        HttpResponse<byte[]> afterClear = send(get().header("Range", "bytes=0-9").build());

        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(headTime).isGreaterThanOrEqualTo(Duration.ofMillis(200));
        assertThat(whole.body()).isEqualTo(blob);
        assertThat(wholeTime).as("200 ms, then %s bytes at 1 MB/s", SIZE)
                .isGreaterThanOrEqualTo(Duration.ofMillis(500));
        assertThat(afterClear.statusCode()).isEqualTo(206);
        assertThat(afterClear.body()).isEqualTo(Arrays.copyOfRange(blob, 0, 10));
        assertThat(proxy.faults().applied(Kind.DELAYED)).isZero();
    }

    /** The registry's two-step upload through the proxy: POST for a Location, PUT the body there. */
    private String upload(byte[] bytes) throws Exception {
        String blobDigest = OciImageBuilder.sha256(bytes);
        HttpResponse<byte[]> started = send(HttpRequest.newBuilder(proxyUri("/v2/" + REPOSITORY + "/blobs/uploads/"))
                .POST(BodyPublishers.noBody()).build());
        assertThat(started.statusCode()).as("start upload").isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        URI put = URI.create(location + (location.contains("?") ? "&" : "?") + "digest=" + blobDigest);
        HttpResponse<byte[]> finished = send(HttpRequest.newBuilder(put).PUT(BodyPublishers.ofByteArray(bytes))
                .header("Content-Type", "application/octet-stream").build());
        assertThat(finished.statusCode()).as("finish upload").isEqualTo(201);
        return blobDigest;
    }

    private String path() {
        return "/v2/" + REPOSITORY + "/blobs/" + digest;
    }

    private HttpRequest.Builder request() {
        return HttpRequest.newBuilder(proxyUri(path())).timeout(Duration.ofSeconds(20));
    }

    private HttpRequest.Builder get() {
        return request().GET();
    }

    private URI proxyUri(String path) {
        return URI.create("http://" + proxy.hostPort() + path);
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, BodyHandlers.ofByteArray());
    }
}
