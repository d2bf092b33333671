package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Parsing Docker's config.json and choosing where a host's credentials are. */
class DockerConfigTest {
    private static final String FILE = "/home/u/.docker/config.json";

    private static DockerConfig parse(String json) {
        return DockerConfig.parse(json.getBytes(StandardCharsets.UTF_8), FILE);
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static Credentials.UserPassword stored(DockerConfig config, String host) {
        DockerConfig.Source source = config.sourceOf(host);
        assertThat(source).isInstanceOf(DockerConfig.Source.Stored.class);
        return ((DockerConfig.Source.Stored) source).credentials();
    }

    @Test
    void anAuthValueIsBase64OfUserColonPasswordAndThePasswordMayHoldColons() {
        DockerConfig config = parse("{\"auths\":{\"reg.example:5000\":{\"auth\":\"" + b64("alice:pa:ss") + "\"}}}");

        assertThat(stored(config, "reg.example:5000")).isEqualTo(new Credentials.UserPassword("alice", "pa:ss"));
    }

    @Test
    void usernameAndPasswordFieldsAreReadWhenThereIsNoAuthValue() {
        DockerConfig config = parse("{\"auths\":{\"reg.example\":{\"username\":\"bob\",\"password\":\"pw\"}}}");

        assertThat(stored(config, "reg.example")).isEqualTo(new Credentials.UserPassword("bob", "pw"));
    }

    @Test
    void keysWithSchemeAndPathFindTheHostAndCaseDoesNotMatter() {
        DockerConfig config = parse("{\"auths\":{\"https://Reg.Example:5000/v2/\":{\"auth\":\"" + b64("a:b")
                + "\"},\"http://plain.example\":{\"auth\":\"" + b64("c:d") + "\"}}}");

        assertThat(stored(config, "reg.example:5000").user()).isEqualTo("a");
        assertThat(stored(config, "plain.example").user()).isEqualTo("c");
        assertThat(config.sourceOf("reg.example")).isInstanceOf(DockerConfig.Source.None.class);
    }

    @Test
    void dockerHubsLegacyKeyServesEveryNameOfDockerHub() {
        DockerConfig config = parse("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hub:pw")
                + "\"}}}");

        for (String host : new String[] {"docker.io", "registry-1.docker.io", "index.docker.io"}) {
            assertThat(stored(config, host).user()).as(host).isEqualTo("hub");
        }
    }

    @Test
    void anIdentityTokenWinsOverAUserAndPassword() {
        DockerConfig config = parse("{\"auths\":{\"reg.example\":{\"auth\":\"" + b64("a:b")
                + "\",\"identitytoken\":\"refresh-123\"}}}");

        Credentials.UserPassword credentials = stored(config, "reg.example");
        assertThat(credentials.isIdentityToken()).isTrue();
        assertThat(credentials.password()).isEqualTo("refresh-123");
        assertThat(credentials.toString()).doesNotContain("refresh-123");
    }

    @Test
    void anEmptyEntryMeansAnonymous() {
        assertThat(parse("{\"auths\":{\"reg.example\":{}}}").sourceOf("reg.example"))
                .isInstanceOf(DockerConfig.Source.None.class);
        assertThat(parse("{}").sourceOf("reg.example")).isInstanceOf(DockerConfig.Source.None.class);
        assertThat(parse("").sourceOf("reg.example")).isInstanceOf(DockerConfig.Source.None.class);
    }

    @Test
    void aHostsCredHelperWinsOverCredsStoreWhichWinsOverStoredAuths() {
        DockerConfig config = parse("{\"auths\":{\"a.example\":{\"auth\":\"" + b64("u:p") + "\"}},"
                + "\"credHelpers\":{\"b.example:5000\":\"ecr-login\"},\"credsStore\":\"pass\"}");

        assertThat(config.sourceOf("b.example:5000")).isEqualTo(new DockerConfig.Source.Helper("ecr-login",
                "b.example:5000"));
        assertThat(config.sourceOf("a.example")).isEqualTo(new DockerConfig.Source.Helper("pass", "a.example"));
    }

    @Test
    void aHelperIsAskedForDockerHubByItsLegacyServerAddress() {
        DockerConfig config = parse("{\"credHelpers\":{\"docker.io\":\"desktop\"}}");

        assertThat(config.sourceOf("registry-1.docker.io")).isEqualTo(new DockerConfig.Source.Helper("desktop",
                DockerConfig.DOCKER_HUB_SERVER));
    }

    @Test
    void malformedJsonNamesTheFileAndThePlaceButQuotesNothing() {
        assertThatThrownBy(() -> parse("{\"auths\":{\"r\":{\"auth\":\"c2VjcmV0LXB3\" \"x\"}}}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(FILE).hasMessageContaining("not valid JSON").hasMessageContaining("line 1")
                .hasMessageNotContaining("c2VjcmV0LXB3");
    }

    @Test
    void anAuthValueThatIsNotBase64OrHasNoColonIsRefusedWithoutQuotingIt() {
        assertThatThrownBy(() -> parse("{\"auths\":{\"r.example\":{\"auth\":\"%%not-base64%%\"}}}"))
                .hasMessageContaining(FILE).hasMessageContaining("auths.r.example.auth is not base64")
                .hasMessageNotContaining("%%not-base64%%");
        assertThatThrownBy(() -> parse("{\"auths\":{\"r.example\":{\"auth\":\"" + b64("nocolon") + "\"}}}"))
                .hasMessageContaining("holds no ':'").hasMessageNotContaining(b64("nocolon"));
    }

    @Test
    void wrongTypesAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> parse("[]")).hasMessageContaining("must hold a JSON object");
        assertThatThrownBy(() -> parse("{\"auths\":[]}")).hasMessageContaining("auths must be an object");
        assertThatThrownBy(() -> parse("{\"auths\":{\"r\":{\"password\":7}}}"))
                .hasMessageContaining("auths.r.password must be a string");
        assertThatThrownBy(() -> parse("{\"credHelpers\":{\"r\":\"../../bin/sh\"}}"))
                .hasMessageContaining(FILE).hasMessageContaining("credential helper name");
    }

    @Test
    void toStringShowsHostsAndHelpersButNoSecret() {
        DockerConfig config = parse("{\"auths\":{\"r.example\":{\"auth\":\"" + b64("user:s3cret") + "\"}},"
                + "\"credsStore\":\"pass\"}");

        assertThat(config.toString()).contains("r.example").contains("pass").doesNotContain("s3cret")
                .doesNotContain(b64("user:s3cret"));
    }
}
