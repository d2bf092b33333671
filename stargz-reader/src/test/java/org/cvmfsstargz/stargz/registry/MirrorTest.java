package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER_DIGEST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.MANIFEST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.MANIFEST_DIGEST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.OCI_MANIFEST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cvmfsstargz.stargz.registry.RangeRoutes.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Mirrors in front of a registry: tried first with {@code ?ns=}, left for the next on failure. */
class MirrorTest {
    private TestRegistry upstream;
    private TestRegistry mirror;

    @BeforeEach
    void start() throws Exception {
        upstream = TestRegistry.start();
        mirror = TestRegistry.start();
        serveImage(upstream, "");
    }

    @AfterEach
    void stop() {
        mirror.close();
        upstream.close();
    }

    private static void serveImage(TestRegistry server, String prefix) {
        server.serve(prefix + "/v2/it/app/manifests/" + MANIFEST_DIGEST, OCI_MANIFEST, MANIFEST);
        server.route(prefix + "/v2/it/app/blobs/" + LAYER_DIGEST, RangeRoutes.blob(LAYER, Mode.MULTIPART));
    }

    private ImageReference ref() {
        return ImageReference.parse(upstream.hostPort() + "/it/app@" + MANIFEST_DIGEST);
    }

    private RegistryClient clientWith(String... mirrorUrls) {
        return new RegistryClient(FAST.withMirrors(Map.of(upstream.hostPort(),
                List.of(mirrorUrls).stream().map(Mirror::parse).toList())));
    }

    /** Reads the manifest, a blob whole and two of its ranges. */
    private static void pull(RegistryClient client, ImageReference ref) throws Exception {
        assertThat(client.resolve(ref).digest()).isEqualTo(MANIFEST_DIGEST);
        assertThat(client.readBlob(ref, LAYER_DIGEST, 1024)).isEqualTo(LAYER);
        assertThat(client.readRanges(ref, LAYER_DIGEST, List.of(new ByteRange(1, 2), new ByteRange(10, 3))))
                .extracting(String::new).containsExactly("12", "abc");
    }

    @Test
    void aMirrorIsAskedFirstUnderItsPrefixWithTheUpstreamAsNs() throws Exception {
        serveImage(mirror, "/cache");
        try (RegistryClient client = clientWith("http://" + mirror.hostPort() + "/cache/")) {
            pull(client, ref());
        }

        assertThat(upstream.requests()).isEmpty();
        String ns = "ns=" + URLEncoder.encode(upstream.hostPort(), StandardCharsets.UTF_8);
        assertThat(mirror.requests()).hasSize(3).allSatisfy(s -> {
            assertThat(s.path()).startsWith("/cache/v2/it/app/");
            assertThat(s.query()).isEqualTo(ns);
        });
    }

    @Test
    void aMirrorAnsweringServerErrorsIsLeftForTheUpstreamWithoutRetries() throws Exception {
        mirror.route("/v2/it/app/manifests/" + MANIFEST_DIGEST, ex -> respond(ex, 500, Map.of(), utf8("down")));
        mirror.route("/v2/it/app/blobs/" + LAYER_DIGEST, ex -> respond(ex, 503, Map.of(), utf8("down")));
        try (RegistryClient client = clientWith("http://" + mirror.hostPort())) {
            pull(client, ref());
        }

        assertThat(mirror.requests()).hasSize(3);
        assertThat(upstream.requests()).hasSize(3).allSatisfy(s -> assertThat(s.query()).isNull());
    }

    @Test
    void aMirrorWithoutTheContentIsLeftForTheUpstream() throws Exception {
        try (RegistryClient client = clientWith("http://" + mirror.hostPort())) {
            pull(client, ref());
        }

        assertThat(mirror.requests()).hasSize(3); // each one a 404
        assertThat(upstream.requests()).hasSize(3);
    }

    @Test
    void anUnreachableMirrorIsLeftForTheNextMirror() throws Exception {
        TestRegistry gone = TestRegistry.start();
        String goneHostPort = gone.hostPort();
        gone.close();
        serveImage(mirror, "");
        try (RegistryClient client = clientWith("http://" + goneHostPort, "http://" + mirror.hostPort())) {
            pull(client, ref());
        }

        assertThat(mirror.requests()).hasSize(3);
        assertThat(upstream.requests()).isEmpty();
    }

    @Test
    void whenEveryEndpointFailsTheUpstreamsAnswerIsReported() {
        ImageReference missing = ImageReference.parse(upstream.hostPort() + "/it/missing:1");
        try (RegistryClient client = clientWith("http://" + mirror.hostPort())) {
            assertThatThrownBy(() -> client.resolve(missing)).isInstanceOfSatisfying(RegistryException.class, e -> {
                assertThat(e.kind()).isEqualTo(RegistryException.Kind.NOT_FOUND);
                assertThat(e.getMessage()).contains(upstream.hostPort() + "/v2/it/missing/manifests/1");
            });
        }
        assertThat(mirror.requests()).hasSize(1);
        assertThat(upstream.requests()).hasSize(1);
    }

    @Test
    void mirrorsOfOtherRegistriesAreNotAsked() throws Exception {
        try (RegistryClient client = new RegistryClient(FAST.withMirrors(Map.of("docker.io",
                List.of(Mirror.parse("http://" + mirror.hostPort())))))) {
            pull(client, ref());
        }
        assertThat(mirror.requests()).isEmpty();
    }

    @Test
    void theNsQueryNamesTheRegistryAsWrittenAndThePrefixGainsV2Once() {
        ImageReference busybox = ImageReference.parse("busybox");
        Endpoint cache = Endpoint.mirror(Mirror.parse("https://Mirror.Example:8443/cache"), busybox);
        Endpoint v2 = Endpoint.mirror(Mirror.parse("https://mirror.example/v2"), busybox);

        assertThat(cache.call("GET", busybox, "/manifests/latest", Map.of(), "test").uri()).hasToString(
                "https://mirror.example:8443/cache/v2/library/busybox/manifests/latest?ns=docker.io");
        assertThat(v2.call("GET", busybox, "/manifests/latest", Map.of(), "test").uri()).hasToString(
                "https://mirror.example/v2/library/busybox/manifests/latest?ns=docker.io");
        assertThat(cache.call("GET", busybox, "/manifests/latest", Map.of(), "test").scope()).hasValueSatisfying(
                s -> assertThat(s.host()).isEqualTo("mirror.example:8443"));
        assertThat(cache.call("GET", busybox, "/manifests/latest", Map.of(), "test").retried()).isFalse();
    }

    @Test
    void aPlainHttpMirrorMustBeLoopbackOrListedInsecure() {
        Map<String, List<Mirror>> plain = Map.of("docker.io", List.of(Mirror.parse("http://mirror.example:5000")));

        assertThatThrownBy(() -> RegistryOptions.defaults().withMirrors(plain))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mirror.example:5000", "insecure");
        assertThat(RegistryOptions.defaults().withInsecureHosts(Set.of("mirror.example")).withMirrors(plain)
                .mirrorsOf("Docker.IO")).hasSize(1);
        assertThat(RegistryOptions.defaults().withMirrors(Map.of("docker.io",
                List.of(Mirror.parse("https://mirror.example"), Mirror.parse("http://127.0.0.1:5000"))))
                .mirrorsOf("docker.io")).hasSize(2);
    }

    @Test
    void mirrorUrlsWithCredentialsQueriesOrOtherSchemesAreRefused() {
        for (String bad : List.of("ftp://mirror.example", "https://user:pw@mirror.example", "https://mirror.example/?a=b",
                "mirror.example", "https://mirror.example/#x", "https://exa mple")) {
            assertThatThrownBy(() -> Mirror.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> RegistryOptions.defaults().withMirrors(Map.of("https://docker.io",
                List.of(Mirror.parse("https://mirror.example"))))).isInstanceOf(IllegalArgumentException.class);
    }
}
