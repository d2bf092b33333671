package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.bench.startup.BenchImage.Blob;

/**
 * Uploads a {@link BenchImage} to a plain-HTTP registry on loopback with the OCI distribution
 * API: each blob a monolithic upload streamed from its file ({@code POST .../blobs/uploads/},
 * then {@code PUT <location>?digest=}), skipped when the registry already has it, then the
 * manifest under a tag. Straight from disk, so a 1 GB image never passes through memory, nor
 * through containerd's content store. Stateless.
 */
public final class RegistryPush {
    private RegistryPush() {}

    /**
     * Pushes {@code image} as {@code <registryHostPort>/<repository>:<tag>}; each request may take
     * {@code timeout}. Throws {@link IOException} naming the request the registry refused.
     */
    public static void push(BenchImage image, String registryHostPort, String repository, String tag, Duration timeout)
            throws IOException, InterruptedException {
        URI base = URI.create("http://" + registryHostPort + "/v2/" + repository + "/");
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            List<Blob> blobs = new ArrayList<>();
            blobs.add(image.config());
            image.layers().forEach(l -> blobs.add(l.blob()));
            for (Blob blob : blobs) {
                HttpResponse<Void> head = http.send(HttpRequest.newBuilder(base.resolve("blobs/" + blob.digest()))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody()).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (head.statusCode() == 200) {
                    continue;
                }
                HttpResponse<String> started = expect(http.send(HttpRequest.newBuilder(base.resolve("blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody()).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.ofString()), 202, "start the upload of " + blob.digest());
                String location = started.headers().firstValue("Location").orElseThrow(
                        () -> new IOException("the registry started an upload of " + blob.digest() + " without a Location"));
                expect(http.send(HttpRequest.newBuilder(uploadTarget(base, location, blob.digest()))
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofFile(image.blobPath(blob))).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.ofString()), 201, "upload " + blob.digest());
            }
            expect(http.send(HttpRequest.newBuilder(base.resolve("manifests/" + tag))
                    .header("Content-Type", OciLayoutWriter.MANIFEST_TYPE)
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(image.blobPath(image.manifest()))))
                    .timeout(timeout).build(), HttpResponse.BodyHandlers.ofString()), 201, "put the manifest");
        }
    }

    /**
     * Where the blob's bytes go: the upload's {@code Location} (absolute, or relative to the
     * registry) with the digest added to its query.
     */
    static URI uploadTarget(URI base, String location, String digest) {
        URI upload = base.resolve(location);
        return URI.create(upload + (upload.getRawQuery() == null ? "?" : "&") + "digest=" + digest);
    }

    private static <T> HttpResponse<T> expect(HttpResponse<T> response, int status, String what) throws IOException {
        if (response.statusCode() != status) {
            throw new IOException("registry refused to " + what + ": HTTP " + response.statusCode() + " for "
                    + response.request().method() + " " + response.request().uri() + ": " + response.body());
        }
        return response;
    }
}
