package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.stargz.cache.ChunkCacheContract.runConcurrently;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The files a {@link DiskChunkCache} leaves on disk when many threads use it at once. */
class DiskChunkCacheConcurrencyTest {
    @TempDir
    Path tmp;

    private Path dir() {
        return tmp.resolve("cache");
    }

    @Test
    void evictionsRacingRewritesOfTheEvictedKeysLeaveDiskAndIndexInAgreement() throws Exception {
        // One thread's large entries each evict several small ones at once (a long run of deletions)
        // while other threads put those small keys again: no deletion may remove a file just rewritten.
        List<byte[]> small = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            small.add(bytes(i, 1000));
        }
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), 8000);
                ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            done.add(threads.submit(() -> {
                for (int op = 0; op < 30; op++) {
                    cache.put(contentKey(bytes(1000 + op, 7000)), bytes(1000 + op, 7000));
                }
            }));
            for (int t = 0; t < 7; t++) {
                done.add(threads.submit(() -> {
                    for (int op = 0; op < 60; op++) {
                        int i = ThreadLocalRandom.current().nextInt(small.size());
                        cache.put(contentKey(small.get(i)), small.get(i));
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
            assertThat(CacheFiles.bytes(dir())).isEqualTo(cache.stats().disk().bytes());
            assertThat(CacheFiles.entries(dir())).hasSize((int) cache.stats().disk().entries());
        }
    }

    @Test
    void filesOnDiskStayWithinTheBoundUnderConcurrentPuts() throws Exception {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), 16 * 1024)) {
            assertThat(runConcurrently(cache, 2048)).isZero();
            assertThat(CacheFiles.bytes(dir())).isLessThanOrEqualTo(16 * 1024).isEqualTo(cache.stats().disk().bytes());
            assertThat(CacheFiles.entries(dir())).hasSize((int) cache.stats().disk().entries())
                    .noneMatch(p -> p.getFileName().toString().startsWith(CacheDirectory.TEMP_PREFIX));
        }
    }
}
