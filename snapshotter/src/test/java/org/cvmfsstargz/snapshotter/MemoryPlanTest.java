package org.cvmfsstargz.snapshotter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MemoryPlanTest {
    private static final long MIB = 1 << 20;

    @TempDir
    Path tmp;

    @Test
    void theDefaultConfigurationFitsTheHeapTheJvmOptionsGiveWithoutAMemoryLimit() {
        MemoryPlan plan = MemoryPlan.of(Config.defaults());

        assertThat(plan.heapBytes()).isEqualTo(MemoryPlan.BASE_BYTES + 16 * MIB + 128 * MIB + 2 * 64 * MIB + 32 * MIB);
        // jvm.options: half of MaxRAM=768m; the serial collector reports one survivor space less.
        plan.requireFits(384 * MIB * 95 / 100);
    }

    @Test
    void budgetsLargerThanTheHeapAreRefusedNamingTheHeapTheyNeed() throws IOException {
        Config config = load("[estargz]\nmemory_cache_max_bytes = 1073741824\n");

        assertThatThrownBy(() -> MemoryPlan.of(config).requireFits(384 * MIB))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("estargz.memory_cache_max_bytes")
                .hasMessageContaining("need a heap of at least 1344 MiB")
                .hasMessageContaining("this JVM has 384 MiB")
                .hasMessageContaining("-Xmx1344m");
    }

    @Test
    void withoutEstargzOnlyTheBaseIsNeeded() throws IOException {
        MemoryPlan plan = MemoryPlan.of(load("[estargz]\nenabled = false\nmemory_cache_max_bytes = 1073741824\n"));

        assertThat(plan.heapBytes()).isEqualTo(MemoryPlan.BASE_BYTES);
    }

    private Config load(String toml) throws IOException {
        return ConfigLoader.load(Optional.of(Files.writeString(tmp.resolve("config.toml"), toml)));
    }
}
