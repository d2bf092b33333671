package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;

import org.junit.jupiter.api.Test;

class NoChunkCacheTest {
    @Test
    void holdsNothingAndCountsEveryGetAsAMiss() {
        try (ChunkCache cache = ChunkCache.none()) {
            cache.put(contentKey(bytes(1, 10)), bytes(1, 10));
            assertThat(cache.get(contentKey(bytes(1, 10)))).isEmpty();
            assertThat(cache.contains(contentKey(bytes(1, 10)))).isFalse();
            assertThat(cache.stats()).isEqualTo(new CacheStats(TierStats.NONE, TierStats.NONE, 1, 0));
        }
    }
}
