package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER_DIGEST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.MANIFEST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.OCI_MANIFEST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.readAll;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Authentication: Bearer tokens and their cache, Basic, and what is never sent or shown. */
class RegistryAuthTest {
    private static final String MANIFEST_PATH = "/v2/it/app/manifests/1";
    private static final String BLOB_PATH = "/v2/it/app/blobs/" + LAYER_DIGEST;
    private static final Credentials.UserPassword USER = new Credentials.UserPassword("alice", "s3cret-pw");

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final AtomicInteger tokensIssued = new AtomicInteger();
    private TestRegistry registry;

    @BeforeEach
    void start() throws IOException {
        registry = TestRegistry.start();
    }

    @AfterEach
    void stop() {
        registry.close();
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.hostPort() + "/it/app:1");
    }

    private String challenge(String realm) {
        return "Bearer realm=\"" + realm + "\",service=\"test-registry\",scope=\"repository:it/app:pull\"";
    }

    /** Serves MANIFEST and LAYER to requests carrying an issued token, challenges the others. */
    private void requireBearer(String realm) {
        TestRegistry.Route guarded = ex -> {
            if (ex.getRequestHeaders().getFirst("Authorization") == null
                    || !ex.getRequestHeaders().getFirst("Authorization").startsWith("Bearer tok-")) {
                respond(ex, 401, Map.of("WWW-Authenticate", challenge(realm)), utf8("{\"errors\":[]}"));
            } else if (ex.getRequestURI().getPath().equals(MANIFEST_PATH)) {
                respond(ex, 200, Map.of("Content-Type", OCI_MANIFEST), MANIFEST);
            } else {
                respond(ex, 200, Map.of(), LAYER);
            }
        };
        registry.route(MANIFEST_PATH, guarded).route(BLOB_PATH, guarded);
        registry.route("/token", ex -> respond(ex, 200, Map.of("Content-Type", "application/json"),
                utf8("{\"token\":\"tok-" + tokensIssued.incrementAndGet() + "\",\"expires_in\":300}")));
    }

    private long challenges() {
        return registry.requests().stream().filter(s -> !s.path().equals("/token"))
                .filter(s -> s.header("Authorization").isEmpty()).count();
    }

    @Test
    void aBearerChallengeIsAnsweredWithAnAnonymousTokenAndTheRequestSentAgain() throws Exception {
        requireBearer("http://" + registry.hostPort() + "/token");
        try (RegistryClient client = new RegistryClient(FAST, clock)) {
            assertThat(client.resolve(ref()).content()).isEqualTo(MANIFEST);
        }

        assertThat(tokensIssued).hasValue(1);
        TestRegistry.Seen token = registry.requests().stream().filter(s -> s.path().equals("/token")).findFirst()
                .orElseThrow();
        assertThat(token.query()).isEqualTo("service=test-registry&scope=repository%3Ait%2Fapp%3Apull");
        assertThat(token.header("Authorization")).isEmpty();
        assertThat(registry.requests().getLast().header("Authorization")).hasValue("Bearer tok-1");
    }

    @Test
    void aTokenIsReusedUntilItExpiresLessAMargin() throws Exception {
        requireBearer("http://" + registry.hostPort() + "/token");
        try (RegistryClient client = new RegistryClient(FAST, clock)) {
            client.resolve(ref());
            now.set(now.get().plus(Duration.ofSeconds(289)));
            assertThat(readAll(client.openBlob(ref(), LAYER_DIGEST))).isEqualTo(LAYER);
            assertThat(tokensIssued).as("tokens issued before expiry").hasValue(1);
            assertThat(challenges()).as("requests sent without a token").isEqualTo(1);

            now.set(now.get().plus(Duration.ofSeconds(2)));
            assertThat(readAll(client.openBlob(ref(), LAYER_DIGEST))).isEqualTo(LAYER);
        }
        assertThat(tokensIssued).as("tokens issued after expiry").hasValue(2);
        assertThat(registry.requests().getLast().header("Authorization")).hasValue("Bearer tok-2");
    }

    @Test
    void configuredCredentialsGoToTheTokenServiceAsBasicAuth() throws Exception {
        requireBearer("http://" + registry.hostPort() + "/token");
        Credentials credentials = host -> host.equals(registry.hostPort()) ? Optional.of(USER) : Optional.empty();
        try (RegistryClient client = new RegistryClient(FAST.withCredentials(credentials), clock)) {
            client.resolve(ref());
        }

        TestRegistry.Seen token = registry.requests().stream().filter(s -> s.path().equals("/token")).findFirst()
                .orElseThrow();
        assertThat(token.header("Authorization")).hasValue("Basic " + Base64.getEncoder()
                .encodeToString("alice:s3cret-pw".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aTokenTheRegistryStillRefusesIsUnauthorizedAfterOneNewTry() {
        registry.route(MANIFEST_PATH, ex -> respond(ex, 401, Map.of("WWW-Authenticate",
                challenge("http://" + registry.hostPort() + "/token")), new byte[0]));
        registry.route("/token", ex -> respond(ex, 200, Map.of(), utf8("{\"access_token\":\"tok-secret\"}")));

        try (RegistryClient client = new RegistryClient(FAST, clock)) {
            assertThatThrownBy(() -> client.resolve(ref())).isInstanceOfSatisfying(RegistryException.class, e -> {
                assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED);
                assertThat(e.status()).hasValue(401);
                assertThat(e.getMessage()).doesNotContain("tok-secret");
            });
        }
        assertThat(registry.count(MANIFEST_PATH)).isEqualTo(2);
        assertThat(registry.count("/token")).isEqualTo(1);
    }

    @Test
    void aBasicChallengeIsAnsweredWithTheConfiguredCredentialsAndRemembered() throws Exception {
        String basic = "Basic " + Base64.getEncoder().encodeToString(utf8("alice:s3cret-pw"));
        TestRegistry.Route guarded = ex -> {
            if (basic.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respond(ex, 200, Map.of(), LAYER);
            } else {
                respond(ex, 401, Map.of("WWW-Authenticate", "Basic realm=\"test\""), new byte[0]);
            }
        };
        registry.route(BLOB_PATH, guarded);
        try (RegistryClient client = new RegistryClient(FAST.withCredentials(host -> Optional.of(USER)), clock)) {
            assertThat(client.readBlob(ref(), LAYER_DIGEST, 1024)).isEqualTo(LAYER);
            assertThat(client.readBlob(ref(), LAYER_DIGEST, 1024)).isEqualTo(LAYER);
        }
        assertThat(registry.count(BLOB_PATH)).as("one challenge, then credentials sent from the start").isEqualTo(3);
    }

    @Test
    void aBasicChallengeWithoutCredentialsIsUnauthorizedAndSaysWhy() {
        registry.route(BLOB_PATH, ex -> respond(ex, 401, Map.of("WWW-Authenticate", "Basic realm=\"test\""),
                new byte[0]));
        try (RegistryClient client = new RegistryClient(FAST, clock)) {
            assertThatThrownBy(() -> client.readBlob(ref(), LAYER_DIGEST, 1024))
                    .isInstanceOfSatisfying(RegistryException.class, e -> {
                        assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED);
                        assertThat(e.getMessage()).contains(registry.hostPort(), "none is configured");
                    });
        }
    }

    @Test
    void aTokenRealmOnPlainHttpToANonLoopbackHostIsRefusedWithoutConnecting() {
        requireBearer("http://auth.invalid/token");
        try (RegistryClient client = new RegistryClient(FAST.withCredentials(host -> Optional.of(USER)), clock)) {
            assertThatThrownBy(() -> client.resolve(ref())).isInstanceOfSatisfying(RegistryException.class, e -> {
                assertThat(e.kind()).isEqualTo(RegistryException.Kind.PLAIN_HTTP_REFUSED);
                assertThat(e.getMessage()).contains("http://auth.invalid/token", "insecure").doesNotContain("s3cret");
            });
        }
    }
}
