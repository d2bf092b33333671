package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Optional;
import org.cvmfsstargz.stargz.cache.CacheStats;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.ChunkKey;
import org.cvmfsstargz.stargz.cache.MemoryChunkCache;
import org.cvmfsstargz.stargz.cache.TierStats;
import org.cvmfsstargz.stargz.cache.TieredChunkCache;
import org.junit.jupiter.api.Test;

class ChunkCacheCollectorTest {
    private static String scrape(ChunkCache cache) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.getPrometheusRegistry().register(new ChunkCacheCollector(cache));
        return registry.scrape();
    }

    /** A cache that reports fixed statistics, counting how often it is asked. */
    private static final class FixedStats implements ChunkCache {
        final CacheStats stats;
        int asked;

        FixedStats(CacheStats stats) {
            this.stats = stats;
        }

        @Override
        public Optional<byte[]> get(ChunkKey key) {
            return Optional.empty();
        }

        @Override
        public boolean contains(ChunkKey key) {
            return false;
        }

        @Override
        public void put(ChunkKey key, byte[] verifiedBytes) {
        }

        @Override
        public CacheStats stats() {
            asked++;
            return stats;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void eachTiersSizesAndCountersAreExposedFromOneReadingOfTheStatistics() {
        FixedStats cache = new FixedStats(new CacheStats(new TierStats(70, 3, 12_000, 64 << 20, 5),
                new TierStats(20, 40, 900_000, 10L << 30, 2), 10, 1));

        assertThat(scrape(cache)).contains(
                "cvmfs_stargz_cache_size_bytes{tier=\"memory\"} 12000.0",
                "cvmfs_stargz_cache_size_bytes{tier=\"disk\"} 900000.0",
                "cvmfs_stargz_cache_max_bytes{tier=\"memory\"} 6.7108864E7",
                "cvmfs_stargz_cache_entries{tier=\"disk\"} 40.0",
                "cvmfs_stargz_cache_evictions_total{tier=\"memory\"} 5.0",
                "cvmfs_stargz_cache_errors_total 1.0",
                "# TYPE cvmfs_stargz_cache_requests_total counter",
                "cvmfs_stargz_cache_requests_total{result=\"hit\",tier=\"memory\"} 70.0",
                "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"memory\"} 30.0",
                "cvmfs_stargz_cache_requests_total{result=\"hit\",tier=\"disk\"} 20.0",
                "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"disk\"} 10.0");
        assertThat(cache.asked).isEqualTo(1);
    }

    @Test
    void requestsFollowATieredCacheAskingMemoryThenDisk() {
        ChunkKey a = new ChunkKey("chunk-a");
        ChunkKey b = new ChunkKey("chunk-b");
        MemoryChunkCache memory = new MemoryChunkCache(1 << 20);
        MemoryChunkCache secondTier = new MemoryChunkCache(1 << 20);
        try (TieredChunkCache cache = new TieredChunkCache(memory, secondTier)) {
            secondTier.put(b, new byte[10]);
            cache.put(a, new byte[10]);
            cache.get(a); // memory hit
            cache.get(b); // memory miss, second tier hit
            cache.get(new ChunkKey("chunk-c")); // missed by both

            // The second tier is a memory cache here, so its hits count as memory hits: 2 of them.
            assertThat(scrape(cache)).contains(
                    "cvmfs_stargz_cache_requests_total{result=\"hit\",tier=\"memory\"} 2.0",
                    "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"memory\"} 1.0",
                    "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"disk\"} 1.0");
        }
    }

    @Test
    void aCacheThatHoldsNothingShowsEmptyTiersMissingEveryRequest() {
        ChunkCache none = ChunkCache.none();
        none.get(new ChunkKey("chunk-a"));
        none.get(new ChunkKey("chunk-b"));

        assertThat(scrape(none)).contains(
                "cvmfs_stargz_cache_size_bytes{tier=\"memory\"} 0.0",
                "cvmfs_stargz_cache_size_bytes{tier=\"disk\"} 0.0",
                "cvmfs_stargz_cache_requests_total{result=\"hit\",tier=\"memory\"} 0.0",
                "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"memory\"} 2.0",
                "cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"disk\"} 2.0");
    }
}
