package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {
    @Test
    void aDockerHubBearerChallengeGivesRealmServiceAndScope() {
        assertThat(AuthChallenge.parse("Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                + "scope=\"repository:library/busybox:pull\"")).containsExactly(new AuthChallenge("bearer", Map.of(
                        "realm", "https://auth.docker.io/token", "service", "registry.docker.io",
                        "scope", "repository:library/busybox:pull")));
    }

    @Test
    void spacesUnquotedValuesEscapesAndCaseAreTolerated() {
        assertThat(AuthChallenge.parse("BEARER  Realm = https://a/token , error=\"in\\\"valid\"")).containsExactly(
                new AuthChallenge("bearer", Map.of("realm", "https://a/token", "error", "in\"valid")));
    }

    @Test
    void severalChallengesInOneHeaderAreSplitAndBearerIsPreferred() {
        List<AuthChallenge> all = AuthChallenge.parse("Basic realm=\"r\", Bearer realm=\"https://t\",scope=\"s\"");
        assertThat(all).extracting(AuthChallenge::scheme).containsExactly("basic", "bearer");
        assertThat(AuthChallenge.choose(List.of("Basic realm=\"r\"", "Bearer realm=\"https://t\"")))
                .hasValueSatisfying(c -> assertThat(c.param("realm")).hasValue("https://t"));
        assertThat(AuthChallenge.choose(List.of("Negotiate", "Basic realm=\"r\"")))
                .hasValueSatisfying(c -> assertThat(c.isBasic()).isTrue());
    }

    @Test
    void anEmptyOrMissingHeaderHasNoChallenge() {
        assertThat(AuthChallenge.parse("")).isEmpty();
        assertThat(AuthChallenge.choose(List.of())).isEmpty();
    }
}
