package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER_DIGEST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.readAll;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redirects, followed by the client itself: where Authorization goes, and where nothing goes. */
class RegistryRedirectTest {
    private static final String BLOB_PATH = "/v2/it/app/blobs/" + LAYER_DIGEST;
    private static final String BASIC = "Basic YWxpY2U6czNjcmV0LXB3"; // alice:s3cret-pw

    private TestRegistry registry;
    private TestRegistry storage;
    private RegistryClient client;

    @BeforeEach
    void start() throws IOException {
        registry = TestRegistry.start();
        storage = TestRegistry.start();
        client = new RegistryClient(FAST.withCredentials(
                host -> Optional.of(new Credentials.UserPassword("alice", "s3cret-pw"))));
    }

    @AfterEach
    void stop() {
        client.close();
        storage.close();
        registry.close();
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.hostPort() + "/it/app:1");
    }

    /** The registry wants Basic auth, then redirects authorised blob GETs to {@code location}. */
    private void redirectAuthorisedTo(String location) {
        registry.route(BLOB_PATH, ex -> {
            if (BASIC.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                TestRegistry.redirect(ex, location);
            } else {
                respond(ex, 401, Map.of("WWW-Authenticate", "Basic realm=\"test\""), new byte[0]);
            }
        });
    }

    @Test
    void aRedirectToAnotherHostCarriesNoAuthorizationButKeepsRange() throws Exception {
        redirectAuthorisedTo("http://" + storage.hostPort() + "/storage/blob?X-Signature=presigned");
        storage.serve("/storage/blob", "application/octet-stream", LAYER);

        assertThat(readAll(client.openBlob(ref(), LAYER_DIGEST))).isEqualTo(LAYER);
        assertThat(client.readRange(ref(), LAYER_DIGEST, 2, 3)).isEqualTo(TestRegistry.utf8("234"));

        assertThat(registry.requests().getLast().header("Authorization")).hasValue(BASIC);
        assertThat(storage.requests()).hasSize(2).allSatisfy(s -> {
            assertThat(s.header("Authorization")).isEmpty();
            assertThat(s.query()).isEqualTo("X-Signature=presigned");
        });
        assertThat(storage.requests().getLast().header("Range")).hasValue("bytes=2-4");
    }

    @Test
    void aRedirectWithinTheSameOriginKeepsAuthorization() throws Exception {
        redirectAuthorisedTo("/elsewhere/blob");
        registry.route("/elsewhere/blob", ex -> respond(ex, 200, Map.of(), LAYER));

        assertThat(readAll(client.openBlob(ref(), LAYER_DIGEST))).isEqualTo(LAYER);
        assertThat(registry.requests().getLast().path()).isEqualTo("/elsewhere/blob");
        assertThat(registry.requests().getLast().header("Authorization")).hasValue(BASIC);
    }

    @Test
    void aRedirectToPlainHttpOnANonLoopbackHostIsRefusedWithoutConnecting() {
        redirectAuthorisedTo("http://storage.invalid/blob?X-Signature=presigned");

        assertThatThrownBy(() -> client.openBlob(ref(), LAYER_DIGEST)).isInstanceOfSatisfying(RegistryException.class,
                e -> {
                    // UNREACHABLE would mean a connection (and a name lookup) was attempted.
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.PLAIN_HTTP_REFUSED);
                    assertThat(e.getMessage()).contains("http://storage.invalid/blob?...", "insecure")
                            .doesNotContain("presigned");
                });
        assertThat(registry.count(BLOB_PATH)).as("no retry of a refusal").isEqualTo(2);
    }

    @Test
    void aRedirectLoopEnds() {
        registry.route(BLOB_PATH, ex -> TestRegistry.redirect(ex, BLOB_PATH));

        assertThatThrownBy(() -> client.openBlob(ref(), LAYER_DIGEST)).isInstanceOfSatisfying(RegistryException.class,
                e -> assertThat(e.getMessage()).contains("redirects"));
    }
}
