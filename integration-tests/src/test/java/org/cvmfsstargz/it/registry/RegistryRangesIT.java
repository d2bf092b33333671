package org.cvmfsstargz.it.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.ByteRange;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RegistryClient#readRanges} and {@link RegistryClient#readRange} against Debian's
 * {@code docker-registry} (Distribution, which answers several ranges with
 * {@code multipart/byteranges}) on 127.0.0.1, through the counting proxy so the test can tell one
 * multi-range GET from a whole-blob download.
 */
@Timeout(60)
class RegistryRangesIT {
    private static final int BLOB_SIZE = 1 << 20;
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    @Test
    void severalRangesOfABlobComeBackExactInOneRequestAndASingleRangeToo() throws Exception {
        byte[] blob = new byte[BLOB_SIZE];
        new Random(20261123).nextBytes(blob);
        Digest digest = Digest.sha256(blob);
        List<ByteRange> ranges = List.of(new ByteRange(0, 100), new ByteRange(4096, 50_000),
                new ByteRange(300_001, 7), new ByteRange(300_008, 1000), new ByteRange(BLOB_SIZE - 10, 10));

        try (RegistryProcess registry = RegistryProcess.start(tmp.resolve("registry"));
                CountingProxy proxy = CountingProxy.start(registry.hostPort());
                RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
            push(registry.hostPort(), "it/ranges", blob, digest);
            ImageReference repository = ImageReference.parse(proxy.hostPort() + "/it/ranges:1");

            List<byte[]> bytes = client.readRanges(repository, digest, ranges);

            assertThat(bytes).hasSameSizeAs(ranges);
            for (int i = 0; i < ranges.size(); i++) {
                ByteRange r = ranges.get(i);
                assertThat(bytes.get(i)).as("range %s", r.httpSpec())
                        .isEqualTo(Arrays.copyOfRange(blob, (int) r.offset(), (int) r.end()));
            }
            assertThat(proxy.requests()).as("one GET, answered 206").singleElement().asString()
                    .startsWith("GET /v2/it/ranges/blobs/" + digest).contains(" 206 ");
            long wanted = ranges.stream().mapToLong(ByteRange::length).sum();
            assertThat(proxy.blobBytes(digest.toString())).as("only the ranges and multipart framing were sent")
                    .isBetween(wanted, wanted + 2048);

            assertThat(client.readRange(repository, digest, 123_456, 789))
                    .isEqualTo(Arrays.copyOfRange(blob, 123_456, 123_456 + 789));
            assertThat(client.readRange(repository, digest, BLOB_SIZE - 3, 100))
                    .isEqualTo(Arrays.copyOfRange(blob, BLOB_SIZE - 3, BLOB_SIZE));
        }
    }

    /** A monolithic push through the distribution API: POST an upload, PUT the bytes with their digest. */
    private static void push(String hostPort, String name, byte[] blob, Digest digest)
            throws IOException, InterruptedException {
        URI base = URI.create("http://" + hostPort);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(TIMEOUT).build()) {
            HttpResponse<String> started = http.send(HttpRequest.newBuilder(base.resolve("/v2/" + name
                    + "/blobs/uploads/")).timeout(TIMEOUT).POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as("upload start: %s", started.body()).isEqualTo(202);
            String location = started.headers().firstValue("Location").orElseThrow();
            URI upload = base.resolve(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
            HttpResponse<String> done = http.send(HttpRequest.newBuilder(upload).timeout(TIMEOUT)
                    .header("Content-Type", "application/octet-stream")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(blob)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(done.statusCode()).as("upload end: %s", done.body()).isEqualTo(201);
        }
    }
}
