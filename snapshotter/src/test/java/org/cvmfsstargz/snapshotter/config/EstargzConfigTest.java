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
}
