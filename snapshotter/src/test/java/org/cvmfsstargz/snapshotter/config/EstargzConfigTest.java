package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EstargzConfigTest {
    @TempDir
    Path dir;

    @Test
    void fetchingAheadHoldsAtMost64MiBByDefaultAndZeroTurnsItOff() throws Exception {
        assertThat(EstargzConfig.defaults().tocPrefetchMaxBytes()).isEqualTo(64L << 20);
        Config off = ConfigLoader.load(Optional.of(Files.writeString(dir.resolve("c.toml"),
                "[estargz]\ntoc_prefetch_max_bytes = 0\n")));
        assertThat(off.estargz().tocPrefetchMaxBytes()).isZero();
    }

    @Test
    void aNegativeBudgetIsRefusedNamingTheKey() throws Exception {
        Path file = Files.writeString(dir.resolve("c.toml"), "[estargz]\ntoc_prefetch_max_bytes = -1\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(file)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("estargz.toc_prefetch_max_bytes");
    }

    @Test
    void readAheadIsAWindowOf256KiBByDefaultAndAtMostARange() throws Exception {
        assertThat(EstargzConfig.defaults().readAheadBytes()).isEqualTo(256L << 10);
        Config off = ConfigLoader.load(Optional.of(Files.writeString(dir.resolve("c.toml"),
                "[estargz]\nread_ahead_bytes = 0\n")));
        assertThat(off.estargz().readAheadBytes()).isZero();
        Path tooLarge = Files.writeString(dir.resolve("large.toml"), "[estargz]\nread_ahead_bytes = 8388608\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(tooLarge)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("estargz.read_ahead_bytes")
                .hasMessageContaining("at most 4194304");
    }

    @Test
    void aTocMayTakeThirtySecondsToBuildByDefaultAndZeroIsRefused() throws Exception {
        assertThat(EstargzConfig.defaults().tocBuildTimeoutMs()).isEqualTo(30_000);
        Config quick = ConfigLoader.load(Optional.of(Files.writeString(dir.resolve("c.toml"),
                "[estargz]\ntoc_build_timeout_ms = 250\n")));
        assertThat(quick.estargz().tocBuildTimeoutMs()).isEqualTo(250);
        Path zero = Files.writeString(dir.resolve("zero.toml"), "[estargz]\ntoc_build_timeout_ms = 0\n");
        assertThatThrownBy(() -> ConfigLoader.load(Optional.of(zero)))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("estargz.toc_build_timeout_ms");
    }
}
