package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Running {@code docker-credential-<name> get} scripts as Docker does, and its failures. */
class CredentialHelperTest {
    private static final String SECRET = "hunter2-secret";

    @TempDir
    Path bin;

    private CredentialHelper helper(Duration timeout) {
        return new CredentialHelper(timeout, List.of(bin.resolve("empty"), bin));
    }

    private void script(String name, String body) throws Exception {
        Path file = bin.resolve("docker-credential-" + name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void theHelperGetsGetAndTheServerAddressOnStdinAndItsAnswerIsTheCredentials() throws Exception {
        script("good", "echo \"$1\" > " + bin.resolve("args") + "; cat > " + bin.resolve("stdin")
                + "; echo '{\"ServerURL\":\"r.example\",\"Username\":\"alice\",\"Secret\":\"" + SECRET + "\"}'");

        assertThat(helper(Duration.ofSeconds(5)).get("good", "r.example:5000", "r.example:5000"))
                .contains(new Credentials.UserPassword("alice", SECRET));
        assertThat(Files.readString(bin.resolve("args")).strip()).isEqualTo("get");
        assertThat(Files.readString(bin.resolve("stdin"))).isEqualTo("r.example:5000");
    }

    @Test
    void theTokenUserMarksAnIdentityToken() throws Exception {
        script("tok", "cat >/dev/null; echo '{\"Username\":\"<token>\",\"Secret\":\"refresh-1\"}'");

        Credentials.UserPassword answer = helper(Duration.ofSeconds(5)).get("tok", "r.example", "r.example")
                .orElseThrow();

        assertThat(answer.isIdentityToken()).isTrue();
        assertThat(answer.password()).isEqualTo("refresh-1");
    }

    @Test
    void credentialsNotFoundMeansAnonymous() throws Exception {
        script("none", "cat >/dev/null; echo 'credentials not found in native keychain'; exit 1");

        assertThat(helper(Duration.ofSeconds(5)).get("none", "r.example", "r.example")).isEmpty();
    }

    @Test
    void aMissingHelperIsNamedWithTheHostAndThePathSearched() {
        assertThatThrownBy(() -> helper(Duration.ofSeconds(5)).get("absent", "r.example", "r.example:5000"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("docker-credential-absent").hasMessageContaining("r.example:5000")
                .hasMessageContaining("is not installed").hasMessageContaining(bin.toString())
                .extracting(e -> ((RegistryException) e).kind()).isEqualTo(RegistryException.Kind.NO_CREDENTIALS);
    }

    @Test
    void aFailingHelperIsNamedWithItsExitStatusAndFirstLine() throws Exception {
        script("broken", "cat >/dev/null; echo 'keychain locked' >&2; exit 3");

        assertThatThrownBy(() -> helper(Duration.ofSeconds(5)).get("broken", "r.example", "r.example"))
                .isInstanceOf(RegistryException.class)
                .hasMessage("credential helper docker-credential-broken for r.example exited with 3: keychain locked");
    }

    @Test
    void aFailingHelperThatPrintsJsonIsNotQuoted() throws Exception {
        script("leaky", "cat >/dev/null; echo '{\"Username\":\"a\",\"Secret\":\"" + SECRET + "\"}'; exit 1");

        assertThatThrownBy(() -> helper(Duration.ofSeconds(5)).get("leaky", "r.example", "r.example"))
                .hasMessageContaining("exited with 1").hasMessageNotContaining(SECRET);
    }

    @Test
    void anAnswerThatIsNotTheProtocolsJsonIsRefusedWithoutQuotingIt() throws Exception {
        script("odd", "cat >/dev/null; echo 'Secret=" + SECRET + "'");

        assertThatThrownBy(() -> helper(Duration.ofSeconds(5)).get("odd", "r.example", "r.example"))
                .hasMessageContaining("answered with something other than JSON").hasMessageNotContaining(SECRET);
        assertThatThrownBy(() -> CredentialHelper.parseAnswer("{\"Username\":\"u\"}".getBytes(StandardCharsets.UTF_8),
                "docker-credential-x", "h")).hasMessageContaining("without a Secret");
    }

    @Test
    void aHelperThatHangsIsStoppedAtTheTimeout() throws Exception {
        script("slow", "sleep 30");
        long start = System.nanoTime();

        assertThatThrownBy(() -> helper(Duration.ofMillis(300)).get("slow", "r.example", "r.example"))
                .hasMessageContaining("gave no answer within 300 ms");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
}
