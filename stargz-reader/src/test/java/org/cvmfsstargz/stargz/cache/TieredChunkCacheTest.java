package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TieredChunkCacheTest extends ChunkCacheContract {
    @TempDir
    Path tmp;
    private final AtomicInteger directories = new AtomicInteger();

    @Override
    protected ChunkCache newCache(long maxBytes) throws IOException {
        return new TieredChunkCache(new MemoryChunkCache(maxBytes), disk(maxBytes));
    }

    @Override
    protected long largestEntry(long maxBytes) {
        return maxBytes;
    }

    @Override
    protected TierStats storage(CacheStats stats) {
        return stats.disk();
    }

    private DiskChunkCache disk(long maxBytes) throws IOException {
        return DiskChunkCache.open(tmp.resolve("cache" + directories.incrementAndGet()), maxBytes);
    }

    @Test
    void aRangedReadOfADiskEntryIsServedFromDiskWithoutFillingMemory() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            byte[] chunk = bytes(1, 500);
            disk.put(contentKey(chunk), chunk);
            byte[] dst = new byte[100];

            assertThat(cache.read(contentKey(chunk), 400, dst, 0, 100)).isTrue();
            assertThat(dst).isEqualTo(java.util.Arrays.copyOfRange(chunk, 400, 500));
            assertThat(memory.contains(contentKey(chunk))).as("the page cache keeps it, not the heap").isFalse();
            assertThat(cache.stats().disk().hits()).isEqualTo(1);
            assertThat(cache.stats().misses()).isZero();
        }
    }

    @Test
    void aDiskHitIsCopiedIntoMemoryAndAnsweredFromThereNextTime() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            byte[] chunk = bytes(1, 500);
            disk.put(contentKey(chunk), chunk);

            assertThat(cache.get(contentKey(chunk))).hasValueSatisfying(b -> assertThat(b).isEqualTo(chunk));
            assertThat(memory.contains(contentKey(chunk))).isTrue();
            assertThat(cache.get(contentKey(chunk))).isPresent();
            CacheStats stats = cache.stats();
            assertThat(stats.disk().hits()).isEqualTo(1);
            assertThat(stats.memory().hits()).isEqualTo(1);
            assertThat(stats.misses()).isZero();
        }
    }

    @Test
    void putStoresInBothTiers() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            cache.put(contentKey(bytes(1, 500)), bytes(1, 500));
            assertThat(memory.contains(contentKey(bytes(1, 500)))).isTrue();
            assertThat(disk.contains(contentKey(bytes(1, 500)))).isTrue();
            assertThat(cache.stats().memory().bytes()).isEqualTo(500);
            assertThat(cache.stats().disk().bytes()).isEqualTo(500);
        }
    }

    @Test
    void aMemoryHitKeepsTheDiskEntryRecentSoTheDiskEvictsColderOnes() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(16 * BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            for (int i = 0; i < 4; i++) {
                cache.put(contentKey(bytes(i, QUARTER)), bytes(i, QUARTER));
            }
            assertThat(cache.get(contentKey(bytes(0, QUARTER)))).isPresent();
            assertThat(cache.stats().memory().hits()).isEqualTo(1);
            cache.put(contentKey(bytes(4, QUARTER)), bytes(4, QUARTER));

            assertThat(disk.contains(contentKey(bytes(0, QUARTER)))).isTrue();
            assertThat(disk.contains(contentKey(bytes(1, QUARTER)))).isFalse();
        }
    }

    @Test
    void closeClosesBothTiers() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        DiskChunkCache disk = disk(BOUND);
        TieredChunkCache cache = new TieredChunkCache(memory, disk);
        cache.put(contentKey(bytes(1, 500)), bytes(1, 500));
        cache.close();
        assertThat(memory.contains(contentKey(bytes(1, 500)))).isFalse();
        assertThat(disk.contains(contentKey(bytes(1, 500)))).isFalse();
    }
}
