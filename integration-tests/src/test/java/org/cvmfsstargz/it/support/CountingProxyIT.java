package org.cvmfsstargz.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CountingProxy} in front of the real registry: what it relays arrives intact both ways
 * (uploads with a length and chunked, the Host the registry builds upload Locations from), and
 * what it counts is exactly the body bytes served, for whole blobs, ranges and HEADs.
 */
@Timeout(60)
class CountingProxyIT {
    private static final String REPOSITORY = "it/proxy";

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private CountingProxy proxy;
    private HttpClient http;

    @BeforeEach
    void startRegistryAndProxy() throws IOException {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        proxy = CountingProxy.start(registry.hostPort());
        // HTTP/1.1 explicitly: the default would offer an h2c upgrade on plain HTTP.
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
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
    void countsWholeBlobsRangesAndHeadsAsTheBodyBytesServed() throws Exception {
        byte[] blob = OciImageBuilder.Layer.randomBytes(1, 300_000);
        String digest = upload(blob, BodyPublishers.ofByteArray(blob));
        proxy.reset();

        HttpResponse<byte[]> whole = send(blobRequest(digest).GET().build());
        HttpResponse<byte[]> head = send(blobRequest(digest).method("HEAD", BodyPublishers.noBody()).build());
        HttpResponse<byte[]> range = send(blobRequest(digest).header("Range", "bytes=1000-1999").GET().build());

        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(blob);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.headers().firstValueAsLong("Content-Length")).hasValue(blob.length);
        assertThat(range.statusCode()).isEqualTo(206);
        assertThat(range.body()).hasSize(1000);
        String path = "/v2/" + REPOSITORY + "/blobs/" + digest;
        assertThat(proxy.requests()).containsExactlyInAnyOrder(
                "GET " + path + " 200 " + blob.length, "HEAD " + path + " 200 0", "GET " + path + " 206 1000");
        assertThat(proxy.blobBytes(digest)).isEqualTo(blob.length + 1000L);
        assertThat(proxy.totalBlobBytes()).isEqualTo(blob.length + 1000L);
        assertThat(proxy.blobBytes(OciImageBuilder.sha256(new byte[0]))).isZero();

        proxy.reset();
        assertThat(proxy.requests()).isEmpty();
        assertThat(proxy.blobBytes(digest)).isZero();
    }

    @Test
    void relaysChunkedUploadsAndTheHostTheRegistryAnswersWith() throws Exception {
        byte[] blob = OciImageBuilder.Layer.randomBytes(2, 200_000);
        // An InputStream publisher has no length, so the client sends the body chunked.
        String digest = upload(blob, BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(blob)));

        HttpResponse<byte[]> fetched = send(blobRequest(digest).GET().build());

        assertThat(fetched.body()).isEqualTo(blob);
        assertThat(proxy.blobBytes(digest)).isEqualTo(blob.length);
        assertThat(proxy.requests()).anySatisfy(line -> assertThat(line).startsWith("PUT /v2/" + REPOSITORY
                + "/blobs/uploads/").endsWith(" 201 0"));
    }

    /**
     * The registry's two-step upload through the proxy: POST for an upload Location, PUT the body
     * there with its digest. Asserts the Location names the proxy, i.e. the Host header got through.
     */
    private String upload(byte[] blob, BodyPublisher body) throws Exception {
        String digest = OciImageBuilder.sha256(blob);
        HttpResponse<byte[]> started = send(HttpRequest.newBuilder(proxyUri("/v2/" + REPOSITORY + "/blobs/uploads/"))
                .POST(BodyPublishers.noBody()).build());
        assertThat(started.statusCode()).as("start upload").isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        assertThat(location).startsWith("http://" + proxy.hostPort() + "/");
        URI put = URI.create(location + (location.contains("?") ? "&" : "?") + "digest=" + digest);
        HttpResponse<byte[]> finished = send(HttpRequest.newBuilder(put).PUT(body)
                .header("Content-Type", "application/octet-stream").build());
        assertThat(finished.statusCode()).as("finish upload: %s", proxy.requests()).isEqualTo(201);
        return digest;
    }

    private HttpRequest.Builder blobRequest(String digest) {
        return HttpRequest.newBuilder(proxyUri("/v2/" + REPOSITORY + "/blobs/" + digest)).timeout(Duration.ofSeconds(20));
    }

    private URI proxyUri(String path) {
        return URI.create("http://" + proxy.hostPort() + path);
    }

    private HttpResponse<byte[]> send(HttpRequest request) throws IOException, InterruptedException {
        return http.send(request, BodyHandlers.ofByteArray());
    }
}
