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
        assertThat(config.daemon()).isEqualTo(new DaemonConfig(Path.of("/run/x.sock"), Path.of("/var/lib/x"), 5, "debug", null));
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

    @Test
    void cvmfsDefaultsToUnpackedCernChUnderCvmfs() throws Exception {
        CvmfsConfig cvmfs = ConfigLoader.load(Optional.of(write(""))).cvmfs();
        assertThat(cvmfs.enabled()).isTrue();
        assertThat(cvmfs.repositoryList()).extracting(r -> r.root().toString())
                .containsExactly("/cvmfs/unpacked.cern.ch");
        assertThat(cvmfs.probeTimeoutMs()).isEqualTo(5_000);
        assertThat(cvmfs.scanTimeoutMs()).isEqualTo(60_000);
        assertThat(cvmfs.scanStallTimeoutMs()).isEqualTo(30_000);
        assertThat(cvmfs.whiteoutCacheMaxEntries()).isEqualTo(10_000);
        assertThat(cvmfs.unavailableLogIntervalSeconds()).isEqualTo(300);
    }

    @Test
    void cvmfsKeysAreRead() throws Exception {
        CvmfsConfig cvmfs = ConfigLoader.load(Optional.of(write("""
                [cvmfs]
                enabled = true
                mountpoint = "/srv/cvmfs"
                repositories = ["a.example.org", "b.example.org"]
                probe_timeout_ms = 250
                scan_timeout_ms = 1000
                scan_stall_timeout_ms = 500
                scan_max_entries = 10
                whiteout_cache_max_entries = 0
                unavailable_log_interval_seconds = 60
                """))).cvmfs();
        assertThat(cvmfs).isEqualTo(new CvmfsConfig(true, Path.of("/srv/cvmfs"),
                java.util.List.of("a.example.org", "b.example.org"), 250, 1000, 500, 10L, 0, 60));
    }

    @Test
    void aNegativeWhiteoutCacheBoundIsRefused() throws Exception {
        Path file = write("[cvmfs]\nwhiteout_cache_max_entries = -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cvmfs.whiteout_cache_max_entries")
                .hasMessageContaining("must be at least 0");
    }

    @Test
    void aRepositoryNameThatIsNotOnePathSegmentIsRefusedWithItsIndex() throws Exception {
        Path file = write("[cvmfs]\nrepositories = [\"ok.example\", \"../etc\"]\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("cvmfs.repositories[1]")
                .hasMessageContaining("single path segment");
    }

    @Test
    void aZeroProbeTimeoutIsRefused() throws Exception {
        Path file = write("[cvmfs]\nprobe_timeout_ms = 0\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("cvmfs.probe_timeout_ms")
                .hasMessageContaining("must be positive");
    }
}
