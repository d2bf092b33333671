package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code [registry]} section's credentials file and per-host tables, read from TOML. */
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
}
