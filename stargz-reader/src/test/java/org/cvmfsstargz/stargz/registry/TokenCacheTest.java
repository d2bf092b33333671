package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Tokens are used until their lifetime less a margin, and identity tokens are traded, never sent. */
class TokenCacheTest {
    private static final String HOST = "r.example";
    private static final String SCOPE = TokenCache.pullScope("it/app");
    private static final AuthChallenge BEARER = new AuthChallenge("bearer", Map.of("realm",
            "https://auth.example/token", "service", "r.example"));

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final List<String> requests = new ArrayList<>();

    /** A token service answering {@code body}, recording each request as "METHOD uri [auth|form]". */
    private TokenCache.TokenEndpoint service(String body) {
        return new TokenCache.TokenEndpoint() {
            @Override
            public byte[] get(URI uri, Optional<String> authorization) {
                requests.add("GET " + uri + " " + authorization.orElse(""));
                return body.getBytes(StandardCharsets.UTF_8);
            }

            @Override
            public byte[] post(URI uri, String form) {
                requests.add("POST " + uri + " " + form);
                return body.getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    private void advance(long seconds) {
        now.set(now.get().plusSeconds(seconds));
    }

    @Test
    void aTokenIsNotUsedWithinTenSecondsOfItsExpiry() throws Exception {
        TokenCache cache = new TokenCache(Credentials.ANONYMOUS, clock);
        cache.answer(BEARER, HOST, SCOPE, "m", service("{\"token\":\"t1\",\"expires_in\":300}"));

        advance(289);
        assertThat(cache.cached(HOST, SCOPE)).contains("Bearer t1");
        advance(1); // 290 s: 10 s before expiry
        assertThat(cache.cached(HOST, SCOPE)).isEmpty();
    }

    @Test
    void aShortLivedTokenKeepsHalfItsLifetimeAsMargin() throws Exception {
        TokenCache cache = new TokenCache(Credentials.ANONYMOUS, clock);
        cache.answer(BEARER, HOST, SCOPE, "m", service("{\"access_token\":\"t1\",\"expires_in\":8}"));

        advance(3);
        assertThat(cache.cached(HOST, SCOPE)).contains("Bearer t1");
        advance(1);
        assertThat(cache.cached(HOST, SCOPE)).isEmpty();
    }

    @Test
    void aTokenWithoutExpiresInLivesSixtySecondsLessTheMargin() throws Exception {
        TokenCache cache = new TokenCache(Credentials.ANONYMOUS, clock);
        cache.answer(BEARER, HOST, SCOPE, "m", service("{\"token\":\"t1\"}"));

        advance(49);
        assertThat(cache.cached(HOST, SCOPE)).isPresent();
        advance(1);
        assertThat(cache.cached(HOST, SCOPE)).isEmpty();
    }

    @Test
    void anExpiredTokenIsReplacedByAFreshOneFromTheService() throws Exception {
        TokenCache cache = new TokenCache(Credentials.ANONYMOUS, clock);
        cache.answer(BEARER, HOST, SCOPE, "m", service("{\"token\":\"t1\",\"expires_in\":60}"));
        advance(55);
        assertThat(cache.cached(HOST, SCOPE)).isEmpty();

        assertThat(cache.answer(BEARER, HOST, SCOPE, "m", service("{\"token\":\"t2\",\"expires_in\":60}")))
                .isEqualTo("Bearer t2");
        assertThat(cache.cached(HOST, SCOPE)).contains("Bearer t2");
        assertThat(requests).hasSize(2);
    }

    @Test
    void anIdentityTokenIsTradedByOauthPostAndNeverSentAsAPassword() throws Exception {
        TokenCache cache = new TokenCache(h -> Optional.of(Credentials.UserPassword.identityToken("refresh/1+")),
                clock);

        String authorization = cache.answer(BEARER, HOST, SCOPE, "m", service("{\"access_token\":\"a1\"}"));

        assertThat(authorization).isEqualTo("Bearer a1");
        assertThat(requests).containsExactly("POST https://auth.example/token grant_type=refresh_token"
                + "&refresh_token=refresh%2F1%2B&client_id=" + TokenCache.CLIENT_ID
                + "&service=r.example&scope=repository%3Ait%2Fapp%3Apull");
    }

    @Test
    void aUserAndPasswordGoToTheTokenServiceAsBasicOnAGet() throws Exception {
        TokenCache cache = new TokenCache(h -> Optional.of(new Credentials.UserPassword("u", "p")), clock);

        cache.answer(BEARER, HOST, SCOPE, "m", service("{\"token\":\"t\"}"));

        assertThat(requests).containsExactly("GET https://auth.example/token?service=r.example"
                + "&scope=repository%3Ait%2Fapp%3Apull Basic dTpw");
    }

    @Test
    void aBasicChallengeCannotBeAnsweredWithAnIdentityToken() {
        TokenCache cache = new TokenCache(h -> Optional.of(Credentials.UserPassword.identityToken("secret-rt")),
                clock);

        assertThatThrownBy(() -> cache.answer(new AuthChallenge("basic", Map.of()), HOST, SCOPE, "m",
                service("{}"))).isInstanceOf(RegistryException.class)
                .hasMessageContaining("only an identity token").hasMessageNotContaining("secret-rt");
    }

    @Test
    void aFailingCredentialSourceFailsTheAnswer() {
        TokenCache cache = new TokenCache(h -> {
            throw new RegistryException(RegistryException.Kind.NO_CREDENTIALS, "helper x for " + h + " failed");
        }, clock);

        assertThatThrownBy(() -> cache.answer(BEARER, HOST, SCOPE, "m", service("{}")))
                .hasMessage("helper x for r.example failed");
        assertThat(requests).isEmpty();
    }

    @Test
    void basicAnswersAreKeptUntilRefused() throws Exception {
        TokenCache cache = new TokenCache(h -> Optional.of(new Credentials.UserPassword("u", "p")), clock);
        cache.answer(new AuthChallenge("basic", Map.of()), HOST, SCOPE, "m", service("{}"));
        advance(Duration.ofDays(30).toSeconds());

        assertThat(cache.cached(HOST, SCOPE)).contains("Basic dTpw");
        cache.invalidate(HOST, SCOPE);
        assertThat(cache.cached(HOST, SCOPE)).isEmpty();
    }
}
