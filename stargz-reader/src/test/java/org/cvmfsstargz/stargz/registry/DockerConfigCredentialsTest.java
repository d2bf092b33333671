package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Credentials from a config.json file that may appear, change or break while the daemon runs. */
class DockerConfigCredentialsTest {
    @TempDir
    Path dir;

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();

    private Path config() {
        return dir.resolve("config.json");
    }

    private DockerConfigCredentials open() {
        return DockerConfigCredentials.open(config(), new CredentialHelper(Duration.ofSeconds(5), List.of(dir)), clock,
                Duration.ofSeconds(30));
    }

    private void write(String json, int version) throws Exception {
        Files.writeString(config(), json);
        // A distinct modification time per version, as a later write would have.
        Files.setLastModifiedTime(config(), FileTime.from(Instant.parse("2025-01-01T00:00:00Z").plusSeconds(version)));
    }

    private static String auths(String host, String user, String password) {
        return "{\"auths\":{\"" + host + "\":{\"auth\":\"" + Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(StandardCharsets.UTF_8)) + "\"}}}";
    }

    @Test
    void aMissingFileMeansAnonymousAndAFileThatAppearsLaterIsRead() throws Exception {
        DockerConfigCredentials credentials = open();
        assertThat(credentials.lookup("r.example")).isEmpty();

        write(auths("r.example", "alice", "pw1"), 1);

        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("alice", "pw1"));
    }

    @Test
    void rotatedCredentialsAreReadWithoutARestart() throws Exception {
        write(auths("r.example", "alice", "pw1"), 1);
        DockerConfigCredentials credentials = open();
        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("alice", "pw1"));

        write(auths("r.example", "alice", "pw2"), 2);

        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("alice", "pw2"));
        Files.delete(config());
        assertThat(credentials.lookup("r.example")).isEmpty();
    }

    @Test
    void aMalformedFileAtStartIsAnErrorNamingTheFile() throws Exception {
        write("{\"auths\":", 1);

        assertThatThrownBy(this::open).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(config().toString()).hasMessageContaining("not valid JSON");
    }

    @Test
    void aFileThatBreaksLaterKeepsTheCredentialsReadBefore() throws Exception {
        write(auths("r.example", "alice", "pw1"), 1);
        DockerConfigCredentials credentials = open();

        write("{\"auths\":{", 2);

        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("alice", "pw1"));
        write(auths("r.example", "alice", "pw3"), 3);
        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("alice", "pw3"));
    }

    @Test
    void helperAnswersAreKeptBrieflyAndForgottenWhenTheFileChanges() throws Exception {
        Path calls = dir.resolve("calls");
        Path helper = dir.resolve("docker-credential-count");
        Files.writeString(helper, "#!/bin/sh\ncat >/dev/null; echo x >> " + calls
                + "\necho '{\"Username\":\"bot\",\"Secret\":\"s\"}'\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwxr-xr-x"));
        write("{\"credHelpers\":{\"r.example\":\"count\"}}", 1);
        DockerConfigCredentials credentials = open();

        credentials.lookup("r.example");
        credentials.lookup("r.example");
        assertThat(Files.readAllLines(calls)).as("helper runs within the answer lifetime").hasSize(1);

        now.set(now.get().plusSeconds(31));
        credentials.lookup("r.example");
        assertThat(Files.readAllLines(calls)).as("helper runs after the lifetime").hasSize(2);

        write("{\"credHelpers\":{\"r.example\":\"count\"}, \"auths\":{}}", 2);
        assertThat(credentials.lookup("r.example")).contains(new Credentials.UserPassword("bot", "s"));
        assertThat(Files.readAllLines(calls)).as("helper runs after the file changed").hasSize(3);
    }

    @Test
    void aMissingHelperFailsTheLookupNamingHelperAndHost() throws Exception {
        write("{\"credsStore\":\"nowhere\"}", 1);

        assertThatThrownBy(() -> open().lookup("r.example:5000")).isInstanceOf(RegistryException.class)
                .hasMessageContaining("docker-credential-nowhere").hasMessageContaining("r.example:5000");
    }
}
