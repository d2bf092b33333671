package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER_DIGEST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;
import static org.cvmfsstargz.stargz.registry.TestRegistry.utf8;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A challenge is answered only for the origin the credentials belong to: storage the registry
 * redirects to that answers 401 gets nothing, nor does the token realm it names; a registry whose
 * own challenge names a token service on another host is still answered.
 */
class ForeignChallengeTest {
    private static final String BLOB_PATH = "/v2/it/app/blobs/" + LAYER_DIGEST;
    private static final String BASIC = "Basic YWxpY2U6czNjcmV0LXB3"; // alice:s3cret-pw

    private TestRegistry registry;
    private TestRegistry storage;
    private TestRegistry realm;
    private RegistryClient client;

    @BeforeEach
    void start() throws IOException {
        registry = TestRegistry.start();
        storage = TestRegistry.start();
        realm = TestRegistry.start();
        realm.route("/token", ex -> respond(ex, 200, Map.of("Content-Type", "application/json"),
                utf8("{\"token\":\"tok-1\",\"expires_in\":300}")));
        client = new RegistryClient(FAST.withCredentials(
                host -> Optional.of(new Credentials.UserPassword("alice", "s3cret-pw"))));
    }

    @AfterEach
    void stop() {
        client.close();
        realm.close();
        storage.close();
        registry.close();
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.hostPort() + "/it/app:1");
    }

    private String bearer(TestRegistry tokenService) {
        return "Bearer realm=\"http://" + tokenService.hostPort() + "/token\",service=\"storage\"";
    }

    @Test
    void aRedirectTargetsChallengeIsRefusedAndNoCredentialReachesItOrItsRealm() {
        registry.route(BLOB_PATH, ex -> TestRegistry.redirect(ex, "http://" + storage.hostPort() + "/blob"));
        storage.route("/blob", ex -> respond(ex, 401, Map.of("WWW-Authenticate", bearer(realm)), new byte[0]));

        assertThatThrownBy(() -> client.readRange(ref(), LAYER_DIGEST, 0, 4))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNAUTHORIZED);
                    assertThat(e.getMessage()).contains("http://" + storage.hostPort() + "/blob answered 401",
                            "after a redirect from " + registry.hostPort(),
                            "not sent to " + storage.hostPort());
                });
        assertThat(storage.requests()).isNotEmpty().allSatisfy(s -> assertThat(s.header("Authorization")).isEmpty());
        assertThat(realm.requests()).as("requests to the realm the storage named").isEmpty();
    }

    @Test
    void aRegistryWhoseTokenServiceIsOnAnotherHostIsStillAnswered() throws Exception {
        registry.route(BLOB_PATH, ex -> {
            if ("Bearer tok-1".equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respond(ex, 200, Map.of(), LAYER);
            } else {
                respond(ex, 401, Map.of("WWW-Authenticate", bearer(realm)), new byte[0]);
            }
        });

        assertThat(client.readRange(ref(), LAYER_DIGEST, 2, 3)).isEqualTo(utf8("234"));
        assertThat(realm.requests()).singleElement().satisfies(s -> assertThat(s.header("Authorization"))
                .hasValue(BASIC));
    }
}
