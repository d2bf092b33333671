package org.cvmfsstargz.it.remote;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;

/**
 * A layer source for tests of the remote-snapshot protocol: it provides a layer by downloading
 * its blob from the loopback registry named in the labels {@code ctr-remote image rpull} sets
 * and unpacking it into the snapshot's directory, so containerd itself downloads nothing.
 * Claims only layers whose digest is in {@code claimable}. Thread-safe.
 */
final class RegistryBlobSource implements LayerSource {
    static final String REFERENCE = "containerd.io/snapshot/remote/stargz.reference";
    static final String DIGEST = "containerd.io/snapshot/remote/stargz.digest";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> claimable;
    private final List<String> claimed = new CopyOnWriteArrayList<>();
    private final List<Map<String, String>> offeredLabels = new CopyOnWriteArrayList<>();

    RegistryBlobSource(List<String> claimable) {
        this.claimable = List.copyOf(claimable);
    }

    @Override
    public String name() {
        return "test-registry-blob";
    }

    /** Digests of the layers this source provided, in order. */
    List<String> claimed() {
        return claimed;
    }

    /** The labels of every layer offered to this source. */
    List<Map<String, String>> offeredLabels() {
        return offeredLabels;
    }

    @Override
    public LayerClaim claim(LayerRequest request) throws Exception {
        offeredLabels.add(request.labels());
        Optional<String> reference = Optional.ofNullable(request.labels().get(REFERENCE));
        Optional<String> digest = Optional.ofNullable(request.labels().get(DIGEST));
        if (reference.isEmpty() || digest.isEmpty()) {
            return new LayerClaim.NotMine("no " + REFERENCE + " or " + DIGEST + " label");
        }
        if (!claimable.contains(digest.get())) {
            return new LayerClaim.NotMine("layer " + digest.get() + " is left to containerd by this test");
        }
        unpack(blobUri(reference.get(), digest.get()), request.snapshotDir().resolve("fs"));
        claimed.add(digest.get());
        return new LayerClaim.Remote(name(), Map.of("test/blob", digest.get()));
    }

    /** {@code 127.0.0.1:5000/it/img:1} and a digest give {@code http://127.0.0.1:5000/v2/it/img/blobs/<digest>}. */
    static URI blobUri(String reference, String digest) {
        int slash = reference.indexOf('/');
        String host = reference.substring(0, slash);
        String repository = reference.substring(slash + 1).replaceFirst("[:@].*$", "");
        return URI.create("http://" + host + "/v2/" + repository + "/blobs/" + digest);
    }

    private void unpack(URI blob, Path fs) throws IOException, InterruptedException {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(blob).timeout(Duration.ofSeconds(30))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + blob + " answered " + response.statusCode());
        }
        // GNU tar keeps owners, modes and links as root does; this test layer has no whiteouts.
        Process tar = new ProcessBuilder("tar", "-xzf", "-", "-C", fs.toString(), "--same-owner", "-p")
                .redirectErrorStream(true).start();
        try (InputStream body = response.body(); var in = tar.getOutputStream()) {
            body.transferTo(in);
        }
        String output = new String(tar.getInputStream().readAllBytes());
        if (tar.waitFor() != 0) {
            throw new IOException("tar failed unpacking " + blob + ": " + output);
        }
    }
}
