package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    private Path write(String toml) throws Exception {
        return Files.writeString(dir.resolve("config.toml"), toml);
    }

    @Test
    void anEmptyFileGivesTheDefaults() throws Exception {
        Config config = ConfigLoader.load(Optional.of(write("")));
        assertThat(config.daemon().socket()).isEqualTo(DaemonConfig.DEFAULT_SOCKET);
        assertThat(config.daemon().root()).isEqualTo(DaemonConfig.DEFAULT_ROOT);
        assertThat(config.daemon().shutdownGraceSeconds()).isEqualTo(30);
        assertThat(config.daemon().logLevel()).isEqualTo("info");
    }

    @Test
    void keysAreReadInSnakeCase() throws Exception {
        Config config = ConfigLoader.load(Optional.of(write("""
                [daemon]
                socket = "/run/x.sock"
                root = "/var/lib/x"
                shutdown_grace_seconds = 5
                log_level = "DEBUG"
                """)));
        assertThat(config.daemon()).isEqualTo(new DaemonConfig(Path.of("/run/x.sock"), Path.of("/var/lib/x"), 5, "debug"));
    }

    @Test
    void anUnknownKeyNamesTheFileAndTheKey() throws Exception {
        Path file = write("[daemon]\nsockett = \"/x\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("daemon.sockett")
                .hasMessageContaining("unknown key");
    }

    @Test
    void aValueOfTheWrongTypeNamesTheKey() throws Exception {
        Path file = write("[daemon]\nshutdown_grace_seconds = \"soon\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("daemon.shutdown_grace_seconds");
    }

    @Test
    void aRelativePathIsRefusedWithItsKey() throws Exception {
        Path file = write("[daemon]\nroot = \"relative/dir\"\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("daemon.root")
                .hasMessageContaining("absolute");
    }

    @Test
    void aMissingExplicitFileIsAnError() {
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("absent.toml"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("no such configuration file");
    }

    @Test
    void malformedTomlIsAnError() throws Exception {
        Path file = write("[daemon\nsocket = ");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString());
    }
}
