package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.RegistrySettings;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code [registry]} section's credentials file, body deadlines and per-host tables, read from TOML. */
class RegistryConfigTest {
    @TempDir
    Path dir;

    private Config load(String toml) throws Exception {
        return ConfigLoader.load(Optional.of(Files.writeString(dir.resolve("config.toml"), toml)));
    }

    private Path testCa() throws Exception {
        Path ca = dir.resolve("ca.pem");
        try (var in = RegistryConfigTest.class.getResourceAsStream("/registry/test-ca.pem")) {
            Files.write(ca, in.readAllBytes());
        }
        return ca;
    }

    @Test
    void hostTablesGiveMirrorsCaFileAndInsecurePerHost() throws Exception {
        Path ca = testCa();
        RegistryConfig registry = load("""
                [registry]
                insecure_hosts = ["old.example:5000"]
                docker_config = "/etc/docker-creds/config.json"
                [registry.hosts."Reg.Example:5000"]
                mirrors = ["https://mirror.example/cache", "http://127.0.0.1:6000"]
                ca_file = "%s"
                [registry.hosts."plain.example"]
                insecure = true
                """.formatted(ca)).registry();

        assertThat(registry.dockerConfig()).isEqualTo(Path.of("/etc/docker-creds/config.json"));
        assertThat(registry.hosts()).containsOnlyKeys("reg.example:5000", "plain.example");
        RegistryHostConfig reg = registry.hosts().get("reg.example:5000");
        assertThat(reg.mirrors()).containsExactly("https://mirror.example/cache", "http://127.0.0.1:6000");
        assertThat(reg.ca()).contains(ca);
        assertThat(reg.insecure()).isFalse();
        assertThat(registry.plainHttpHosts()).containsExactlyInAnyOrder("old.example:5000", "plain.example");
    }

    @Test
    void dockerConfigDefaultsToDockerConfigEnvironmentElseRootsFile() {
        assertThat(RegistryConfig.defaultDockerConfig(Optional.of("/srv/docker")))
                .isEqualTo(Path.of("/srv/docker/config.json"));
        assertThat(RegistryConfig.defaultDockerConfig(Optional.empty())).isEqualTo(RegistryConfig.ROOT_DOCKER_CONFIG);
        assertThat(RegistryConfig.defaults().hosts()).isEmpty();
    }

    @Test
    void aCaFileThatIsMissingOrNotPemIsAnErrorNamingFileKeyAndReason() throws Exception {
        Path notPem = Files.writeString(dir.resolve("bad.pem"), "hello");

        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\nca_file = \"" + dir.resolve("none.pem") + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("config.toml").hasMessageContaining("registry.hosts.\"r.example\".ca_file")
                .hasMessageContaining("none.pem").hasMessageContaining("no such file");
        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\nca_file = \"" + notPem + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("registry.hosts.\"r.example\".ca_file").hasMessageContaining("bad.pem");
        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\nca_file = \"ca.pem\"\n"))
                .hasMessageContaining("must be an absolute path");
    }

    @Test
    void aCaFileOnAnInsecureHostIsRefused() throws Exception {
        Path ca = testCa();

        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\ninsecure = true\nca_file = \"" + ca + "\"\n"))
                .hasMessageContaining("registry.hosts.\"r.example\".ca_file").hasMessageContaining("insecure");
    }

    @Test
    void aMirrorThatIsNotAUrlIsAnErrorNamingItsIndex() {
        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\nmirrors = [\"https://ok.example\","
                + " \"ftp://m.example\"]\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("registry.hosts.\"r.example\".mirrors[1]").hasMessageContaining("ftp://m.example");
    }

    @Test
    void aHostKeyWithASchemeOrAnUnknownHostKeyIsRefused() {
        assertThatThrownBy(() -> load("[registry.hosts.\"https://r.example\"]\ninsecure = true\n"))
                .hasMessageContaining("registry.hosts.\"https://r.example\"").hasMessageContaining("without a scheme");
        assertThatThrownBy(() -> load("[registry.hosts.\"r.example\"]\nmirror = [\"https://m.example\"]\n"))
                .hasMessageContaining("unknown key");
        assertThatThrownBy(() -> load("[registry]\ndocker_config = \"relative/config.json\"\n"))
                .hasMessageContaining("registry.docker_config").hasMessageContaining("absolute");
    }

    @Test
    void hostNamesDifferingOnlyInCaseAreTheSameHost() {
        assertThatThrownBy(() -> load("[registry.hosts.\"R.example\"]\ninsecure = true\n"
                + "[registry.hosts.\"r.example\"]\ninsecure = true\n"))
                .hasMessageContaining("given twice");
    }

    @Test
    void bodyDeadlinesDefaultTo30SecondsIdleAnd5MinutesInAllAndReachTheRegistryClient() throws Exception {
        RegistryConfig defaults = load("[registry]\ndocker_config = \"" + dir.resolve("none.json") + "\"\n").registry();
        RegistryConfig set = load("[registry]\nbody_idle_timeout_ms = 2000\nbody_timeout_ms = 9000\n"
                + "docker_config = \"" + dir.resolve("none.json") + "\"\n").registry();

        assertThat(defaults.bodyIdleTimeoutMs()).isEqualTo(30_000);
        assertThat(defaults.bodyTimeoutMs()).isEqualTo(300_000);
        assertThat(RegistrySettings.options(set, Set.of()).bodyDeadlines())
                .isEqualTo(new RegistryOptions.BodyDeadlines(Duration.ofSeconds(2), Duration.ofSeconds(9)));
    }

    @Test
    void aBodyIdleDeadlineThatIsNotPositiveOrLongerThanTheBodyDeadlineIsRefusedNamingTheKey() {
        assertThatThrownBy(() -> load("[registry]\nbody_idle_timeout_ms = 0\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("registry.body_idle_timeout_ms")
                .hasMessageContaining("positive");
        assertThatThrownBy(() -> load("[registry]\nbody_timeout_ms = -1\n"))
                .hasMessageContaining("registry.body_timeout_ms");
        assertThatThrownBy(() -> load("[registry]\nbody_idle_timeout_ms = 60000\nbody_timeout_ms = 10000\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("registry.body_idle_timeout_ms")
                .hasMessageContaining("registry.body_timeout_ms (10000)");
    }
}
