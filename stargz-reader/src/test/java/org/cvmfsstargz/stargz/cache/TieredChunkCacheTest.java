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
    void aDiskHitIsNotCopiedIntoMemory() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            byte[] chunk = bytes(1, 500);
            disk.put(contentKey(chunk), chunk);

            assertThat(cache.get(contentKey(chunk))).hasValueSatisfying(b -> assertThat(b).isEqualTo(chunk));
            assertThat(cache.get(contentKey(chunk))).isPresent();
            assertThat(memory.contains(contentKey(chunk))).isFalse();
            CacheStats stats = cache.stats();
            assertThat(stats.disk().hits()).isEqualTo(2);
            assertThat(stats.memory().hits()).isZero();
            assertThat(stats.misses()).isZero();
        }
    }

    @Test
    void putStoresOnDiskAndInMemoryOnlyWhatTheDiskDidNotKeep() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(16 * BOUND);
        try (DiskChunkCache disk = disk(BOUND); TieredChunkCache cache = new TieredChunkCache(memory, disk)) {
            byte[] small = bytes(1, 500);
            byte[] larger = bytes(2, (int) BOUND + 1);
            cache.put(contentKey(small), small);
            cache.put(contentKey(larger), larger);

            assertThat(disk.contains(contentKey(small))).isTrue();
            assertThat(memory.contains(contentKey(small))).isFalse();
            assertThat(disk.contains(contentKey(larger))).as("larger than the disk's bound").isFalse();
            assertThat(memory.contains(contentKey(larger))).isTrue();
            byte[] dst = new byte[10];
            assertThat(cache.read(contentKey(larger), BOUND - 9, dst, 0, 10)).isTrue();
            assertThat(dst).isEqualTo(java.util.Arrays.copyOfRange(larger, (int) BOUND - 9, (int) BOUND + 1));
            assertThat(cache.stats().memory().hits()).isEqualTo(1);
        }
    }

    @Test
    void closeClosesBothTiers() throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(BOUND);
        DiskChunkCache disk = disk(BOUND);
        TieredChunkCache cache = new TieredChunkCache(memory, disk);
        cache.put(contentKey(bytes(1, 500)), bytes(1, 500));
        memory.put(contentKey(bytes(2, 500)), bytes(2, 500));
        cache.close();
        assertThat(memory.contains(contentKey(bytes(2, 500)))).isFalse();
        assertThat(disk.contains(contentKey(bytes(1, 500)))).isFalse();
    }
}
