package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;

import org.junit.jupiter.api.Test;

class MemoryChunkCacheTest extends ChunkCacheContract {
    @Override
    protected ChunkCache newCache(long maxBytes) {
        return new MemoryChunkCache(maxBytes);
    }

    @Override
    protected long largestEntry(long maxBytes) {
        return maxBytes / 4;
    }

    @Override
    protected TierStats storage(CacheStats stats) {
        return stats.memory();
    }

    @Test
    void oneEntryLargerThanAQuarterOfTheBoundDoesNotFlushTheOthers() {
        MemoryChunkCache cache = new MemoryChunkCache(BOUND);
        for (int i = 0; i < 3; i++) {
            cache.put(contentKey(bytes(i, QUARTER)), bytes(i, QUARTER));
        }
        cache.put(contentKey(bytes(9, QUARTER + 1)), bytes(9, QUARTER + 1));
        assertThat(cache.stats().memory().entries()).isEqualTo(3);
        assertThat(cache.stats().memory().evictions()).isZero();
        assertThat(cache.maxEntryBytes()).isEqualTo(QUARTER);
    }

    @Test
    void aBoundOfZeroHoldsNothing() {
        MemoryChunkCache cache = new MemoryChunkCache(0);
        cache.put(contentKey(bytes(1, 1)), bytes(1, 1));
        assertThat(cache.get(contentKey(bytes(1, 1)))).isEmpty();
        assertThat(cache.stats().memory().bytes()).isZero();
    }

    @Test
    void aNegativeBoundIsRejected() {
        assertThatThrownBy(() -> new MemoryChunkCache(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }

    @Test
    void statsReportNoDiskTier() {
        MemoryChunkCache cache = new MemoryChunkCache(BOUND);
        cache.put(contentKey(bytes(1, 10)), bytes(1, 10));
        assertThat(cache.stats().disk()).isEqualTo(TierStats.NONE);
        assertThat(cache.stats().memory()).isEqualTo(new TierStats(0, 1, 10, BOUND, 0));
    }
}
