package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.TestRegistry.readAll;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryClientTest {
    static final RegistryOptions FAST = RegistryOptions.defaults()
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))
            .withRetry(new RegistryOptions.Retry(3, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(5)));

    static final byte[] CONFIG = utf8("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\"}}");
    static final byte[] LAYER = utf8("0123456789abcdefghijklmnopqrstuvwxyz");
    static final Digest CONFIG_DIGEST = Digest.sha256(CONFIG);
    static final Digest LAYER_DIGEST = Digest.sha256(LAYER);
    static final byte[] MANIFEST = utf8("""
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":%d},
             "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"%s","size":%d,
                        "annotations":{"containerd.io/snapshot/stargz/toc.digest":"sha256:00"}}]}
            """.formatted(CONFIG_DIGEST, CONFIG.length, LAYER_DIGEST, LAYER.length));
    static final Digest MANIFEST_DIGEST = Digest.sha256(MANIFEST);
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";

    TestRegistry registry;
    RegistryClient client;

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

    ImageReference ref(String tagOrDigest) {
        return ImageReference.parse(registry.hostPort() + "/it/app" + tagOrDigest);
    }

    void serveManifestByDigest() {
        registry.serve("/v2/it/app/manifests/" + MANIFEST_DIGEST, OCI_MANIFEST, MANIFEST);
    }

    @Test
    void anIndexResolvesToItsLinuxAmd64Manifest() throws Exception {
        byte[] index = utf8("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"%1$s","digest":"%2$s","size":9,"platform":{"os":"linux","architecture":"arm64"}},
                 {"mediaType":"%1$s","digest":"%3$s","size":%4$d,"platform":{"os":"linux","architecture":"amd64"}}]}
                """.formatted(OCI_MANIFEST, Digest.sha256(utf8("arm")), MANIFEST_DIGEST, MANIFEST.length));
        registry.serve("/v2/it/app/manifests/1", "application/vnd.oci.image.index.v1+json", index);
        serveManifestByDigest();

        ImageManifest manifest = client.resolve(ref(":1"));

        assertThat(manifest.digest()).isEqualTo(MANIFEST_DIGEST);
        assertThat(manifest.reference().toString()).isEqualTo(registry.hostPort() + "/it/app:1@" + MANIFEST_DIGEST);
        assertThat(manifest.mediaType()).isEqualTo(OCI_MANIFEST);
        assertThat(manifest.content()).isEqualTo(MANIFEST);
        assertThat(manifest.config().digest()).isEqualTo(CONFIG_DIGEST);
        assertThat(manifest.layers()).singleElement().satisfies(layer -> {
            assertThat(layer.digest()).isEqualTo(LAYER_DIGEST);
            assertThat(layer.size()).isEqualTo(LAYER.length);
            assertThat(layer.annotations()).containsEntry("containerd.io/snapshot/stargz/toc.digest", "sha256:00");
        });
        assertThat(registry.requests().getFirst().header("Accept").orElseThrow())
                .contains("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.v2+json");
        assertThat(registry.count("/v2/it/app/manifests/sha256:" + Digest.sha256(utf8("arm")).hex())).isZero();
    }

    @Test
    void anIndexWithoutTheWantedPlatformIsUnsupported() {
        byte[] index = utf8("""
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[
                 {"mediaType":"%s","digest":"%s","size":9,"platform":{"os":"linux","architecture":"arm64"}}]}
                """.formatted(OCI_MANIFEST, Digest.sha256(utf8("arm"))));
        registry.serve("/v2/it/app/manifests/1", "application/vnd.oci.image.index.v1+json", index);

        assertThatThrownBy(() -> client.resolve(ref(":1"))).isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNSUPPORTED);
            assertThat(e.getMessage()).contains("linux/amd64", "linux/arm64");
        });
    }

    @Test
    void aManifestWhoseBytesDoNotMatchTheDigestItWasPulledByIsRejected() {
        byte[] tampered = Arrays.copyOf(MANIFEST, MANIFEST.length);
        tampered[tampered.length - 3] = ' ';
        registry.serve("/v2/it/app/manifests/" + MANIFEST_DIGEST, OCI_MANIFEST, tampered);

        assertThatThrownBy(() -> client.resolve(ref("@" + MANIFEST_DIGEST)))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT);
                    assertThat(e.getMessage()).contains(MANIFEST_DIGEST.value(), Digest.sha256(tampered).value());
                });
    }

    @Test
    void aManifestContradictingTheDigestTheRegistryAnnouncesIsRejected() {
        registry.route("/v2/it/app/manifests/1", ex -> respond(ex, 200, Map.of("Content-Type", OCI_MANIFEST,
                "Docker-Content-Digest", Digest.sha256(utf8("other")).value()), MANIFEST));

        assertThatThrownBy(() -> client.resolve(ref(":1"))).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT));
    }

    @Test
    void aManifestMatchingTheAnnouncedDigestIsAccepted() throws Exception {
        registry.route("/v2/it/app/manifests/1", ex -> respond(ex, 200, Map.of("Content-Type", OCI_MANIFEST,
                "Docker-Content-Digest", MANIFEST_DIGEST.value()), MANIFEST));

        assertThat(client.resolve(ref(":1")).digest()).isEqualTo(MANIFEST_DIGEST);
    }

    @Test
    void aBlobIsStreamedAndReadWholeWithItsDigestChecked() throws Exception {
        registry.serve("/v2/it/app/blobs/" + LAYER_DIGEST, "application/octet-stream", LAYER);
        registry.serve("/v2/it/app/blobs/" + CONFIG_DIGEST, "application/octet-stream", LAYER);

        assertThat(readAll(client.openBlob(ref(":1"), LAYER_DIGEST))).isEqualTo(LAYER);
        assertThat(client.readBlob(ref(":1"), LAYER_DIGEST, 1024)).isEqualTo(LAYER);
        assertThatThrownBy(() -> client.readBlob(ref(":1"), CONFIG_DIGEST, 1024))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT));
        assertThatThrownBy(() -> client.readBlob(ref(":1"), LAYER_DIGEST, 10))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage()).contains("larger"));
    }

    @Test
    void aRangeIsAskedForAndA206GivesIt() throws Exception {
        registry.route("/v2/it/app/blobs/" + LAYER_DIGEST, ex -> respond(ex, 206, Map.of(
                "Content-Range", "bytes 3-6/" + LAYER.length), Arrays.copyOfRange(LAYER, 3, 7)));

        assertThat(client.readRange(ref(":1"), LAYER_DIGEST, 3, 4)).isEqualTo(utf8("3456"));
        assertThat(registry.requests().getFirst().header("Range")).hasValue("bytes=3-6");
    }

    @Test
    void aRegistryIgnoringRangeStillGivesTheSliceFromItsWholeAnswer() throws Exception {
        registry.serve("/v2/it/app/blobs/" + LAYER_DIGEST, "application/octet-stream", LAYER);

        assertThat(client.readRange(ref(":1"), LAYER_DIGEST, 10, 6)).isEqualTo(utf8("abcdef"));
        assertThat(client.readRange(ref(":1"), LAYER_DIGEST, LAYER.length - 2, 6)).isEqualTo(utf8("yz"));
        assertThat(client.readRange(ref(":1"), LAYER_DIGEST, LAYER.length + 5, 6)).isEmpty();
    }

    @Test
    void a206StartingElsewhereThanAskedIsRejected() {
        registry.route("/v2/it/app/blobs/" + LAYER_DIGEST, ex -> respond(ex, 206, Map.of(
                "Content-Range", "bytes 0-3/" + LAYER.length), Arrays.copyOfRange(LAYER, 0, 4)));

        assertThatThrownBy(() -> client.readRange(ref(":1"), LAYER_DIGEST, 3, 4))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT));
    }

    @Test
    void theBlobSizeComesFromHeadOrElseFromARangedGet() throws Exception {
        registry.serve("/v2/it/app/blobs/" + LAYER_DIGEST, "application/octet-stream", LAYER);
        assertThat(client.blobSize(ref(":1"), LAYER_DIGEST)).isEqualTo(LAYER.length);

        registry.route("/v2/it/app/blobs/" + CONFIG_DIGEST, ex -> {
            if (ex.getRequestMethod().equals("HEAD")) {
                respond(ex, 403, Map.of(), new byte[0]);
            } else {
                respond(ex, 206, Map.of("Content-Range", "bytes 0-0/" + CONFIG.length), new byte[] {CONFIG[0]});
            }
        });
        assertThat(client.blobSize(ref(":1"), CONFIG_DIGEST)).isEqualTo(CONFIG.length);
    }

    @Test
    void serverErrorsAreRetriedUntilTheRegistryAnswers() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        registry.route("/v2/it/app/blobs/" + LAYER_DIGEST, ex -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                respond(ex, 503, Map.of(), utf8("busy"));
            } else if (n == 2) {
                respond(ex, 429, Map.of("Retry-After", "0"), utf8("slow down"));
            } else {
                respond(ex, 200, Map.of(), LAYER);
            }
        });

        assertThat(client.readBlob(ref(":1"), LAYER_DIGEST, 1024)).isEqualTo(LAYER);
        assertThat(calls).hasValue(3);
    }

    @Test
    void serverErrorsGiveUpAfterTheLastAttempt() {
        registry.route("/v2/it/app/blobs/" + LAYER_DIGEST, ex -> respond(ex, 502, Map.of(), utf8("bad gateway")));

        assertThatThrownBy(() -> client.readBlob(ref(":1"), LAYER_DIGEST, 1024))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.SERVER_ERROR);
                    assertThat(e.status()).hasValue(502);
                });
        assertThat(registry.count("/v2/it/app/blobs/" + LAYER_DIGEST)).isEqualTo(FAST.retry().maxAttempts());
    }

    @Test
    void notFoundIsReportedAtOnceWithTheUrlAndTheRegistrysError() {
        assertThatThrownBy(() -> client.resolve(ref(":missing"))).isInstanceOfSatisfying(RegistryException.class, e -> {
            assertThat(e.kind()).isEqualTo(RegistryException.Kind.NOT_FOUND);
            assertThat(e.status()).hasValue(404);
            assertThat(e.getMessage()).contains("http://" + registry.hostPort() + "/v2/it/app/manifests/missing",
                    "404", "NAME_UNKNOWN: not here");
            assertThat(e.getStackTrace()).isEmpty();
        });
        assertThat(registry.requests()).hasSize(1);
    }

    @Test
    void aRefusedConnectionIsRetriedThenUnreachable() throws Exception {
        TestRegistry gone = TestRegistry.start();
        String hostPort = gone.hostPort();
        gone.close();

        assertThatThrownBy(() -> client.resolve(ImageReference.parse(hostPort + "/it/app:1")))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNREACHABLE);
                    assertThat(e.getMessage()).contains(hostPort, "3 attempt(s)");
                });
    }
}
