package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The usage and configuration errors of {@code inspect} and {@code check}: exit 2 before any probe. */
class DiagnoseCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void inspectWithoutAReferenceOrWithAMalformedLayerDigestIsAUsageError() {
        assertThat(Main.run("inspect")).isEqualTo(Main.EXIT_USAGE);
        assertThat(Main.run("inspect", "--ref", "registry.test/app:1", "--layer", "sha256:nothex"))
                .isEqualTo(Main.EXIT_USAGE);
        assertThat(Main.run("inspect", "--ref", "Not A Reference")).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void inspectWithAnInvalidConfigurationIsAConfigurationError() throws Exception {
        Path config = Files.writeString(tmp.resolve("bad.toml"), "[cvmfs]\nprobe_timeout_ms = -1\n");

        assertThat(Main.run("inspect", "--ref", "registry.test/app:1", "--config", config.toString()))
                .isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void checkWithAMissingContainerdConfigOrAnInvalidConfigurationIsAUsageError() throws Exception {
        assertThat(Main.run("check", "--containerd-config", tmp.resolve("absent.toml").toString()))
                .isEqualTo(Main.EXIT_USAGE);
        Path config = Files.writeString(tmp.resolve("bad.toml"), "[daemon]\nno_such_key = 1\n");
        Path containerd = Files.writeString(tmp.resolve("config.toml"), "version = 2\n");

        assertThat(Main.run("check", "--config", config.toString(), "--containerd-config", containerd.toString()))
                .isEqualTo(Main.EXIT_USAGE);
    }
}
