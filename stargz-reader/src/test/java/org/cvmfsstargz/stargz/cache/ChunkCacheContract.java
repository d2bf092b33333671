package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;
import static org.cvmfsstargz.stargz.cache.TestChunks.legacyKey;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ChunkCache} shares, run against each implementation by a subclass
 * (cf. Lucene's {@code BaseDirectoryTestCase}). Caches made by {@link #open} are closed after each
 * test.
 */
public abstract class ChunkCacheContract {
    /** Bound used by most tests: four entries of {@link #QUARTER} bytes fill it. */
    protected static final long BOUND = 4096;
    protected static final int QUARTER = (int) (BOUND / 4);

    private final List<ChunkCache> opened = new ArrayList<>();

    /** A new, empty cache bounded by {@code maxBytes}. */
    protected abstract ChunkCache newCache(long maxBytes) throws IOException;

    /** The largest entry a cache bounded by {@code maxBytes} keeps. */
    protected abstract long largestEntry(long maxBytes);

    /** The stats of the tier that holds every entry the cache keeps, whose bound the contract checks. */
    protected abstract TierStats storage(CacheStats stats);

    protected final ChunkCache open(long maxBytes) throws IOException {
        ChunkCache cache = newCache(maxBytes);
        opened.add(cache);
        return cache;
    }

    @AfterEach
    void closeCaches() {
        opened.forEach(ChunkCache::close);
    }

    @Test
    void readCopiesARangeOfAHeldChunkAndMissesOtherwise() throws IOException {
        ChunkCache cache = open(BOUND);
        byte[] chunk = bytes(1, 1000);
        cache.put(contentKey(chunk), chunk);
        byte[] dst = new byte[300];

        assertThat(cache.read(contentKey(chunk), 600, dst, 50, 250)).isTrue();
        assertThat(Arrays.copyOfRange(dst, 50, 300)).isEqualTo(Arrays.copyOfRange(chunk, 600, 850));
        assertThat(Arrays.copyOfRange(dst, 0, 50)).containsOnly(0);
        assertThat(cache.read(contentKey(bytes(2, 1000)), 0, dst, 0, 10)).isFalse();
        assertThat(cache.read(contentKey(chunk), 900, dst, 0, 200)).as("past the chunk's end").isFalse();
    }

    @Test
    void getReturnsTheBytesPutUnderAContentAddressedKey() throws IOException {
        ChunkCache cache = open(BOUND);
        byte[] chunk = bytes(1, 1000);
        cache.put(contentKey(chunk), chunk);
        assertThat(cache.get(contentKey(chunk))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(1, 1000)));
    }

    @Test
    void getReturnsTheBytesPutUnderALegacyKey() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(legacyKey(0, 700), bytes(1, 700));
        cache.put(legacyKey(5000, 700), bytes(2, 700));
        assertThat(cache.get(legacyKey(0, 700))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(1, 700)));
        assertThat(cache.get(legacyKey(5000, 700))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(2, 700)));
    }

    @Test
    void getOfAKeyNeverPutIsEmpty() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(contentKey(bytes(1, 100)), bytes(1, 100));
        assertThat(cache.get(contentKey(bytes(2, 100)))).isEmpty();
        assertThat(cache.get(legacyKey(0, 100))).isEmpty();
    }

    @Test
    void containsTellsWhatIsHeldWithoutCountingAGet() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(contentKey(bytes(1, 100)), bytes(1, 100));
        assertThat(cache.contains(contentKey(bytes(1, 100)))).isTrue();
        assertThat(cache.contains(contentKey(bytes(2, 100)))).isFalse();
        assertThat(cache.stats().hits()).isZero();
        assertThat(cache.stats().misses()).isZero();
    }

    @Test
    void evictsTheLeastRecentlyUsedEntryFirst() throws IOException {
        ChunkCache cache = open(BOUND);
        List<ChunkKey> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            keys.add(contentKey(bytes(i, QUARTER)));
        }
        for (int i = 0; i < 4; i++) {
            cache.put(keys.get(i), bytes(i, QUARTER));
        }
        assertThat(cache.get(keys.get(0))).isPresent();
        cache.put(keys.get(4), bytes(4, QUARTER));

        assertThat(cache.get(keys.get(1))).as("least recently used").isEmpty();
        for (int i : new int[] {0, 2, 3, 4}) {
            assertThat(cache.get(keys.get(i))).hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(i, QUARTER)));
        }
        assertThat(storage(cache.stats()).evictions()).isEqualTo(1);
        assertThat(storage(cache.stats()).bytes()).isEqualTo(BOUND);
    }

    @Test
    void neverHoldsMoreThanItsBound() throws IOException {
        ChunkCache cache = open(BOUND);
        for (int i = 0; i < 40; i++) {
            int length = 1 + ThreadLocalRandom.current().nextInt((int) largestEntry(BOUND));
            cache.put(contentKey(bytes(i, length)), bytes(i, length));
            CacheStats stats = cache.stats();
            assertThat(storage(stats).bytes()).isLessThanOrEqualTo(BOUND);
            assertThat(stats.memory().bytes()).isLessThanOrEqualTo(stats.memory().maxBytes());
        }
        assertThat(storage(cache.stats()).evictions()).isPositive();
    }

    @Test
    void doesNotStoreAnEntryLargerThanItKeepsNorEvictForIt() throws IOException {
        ChunkCache cache = open(BOUND);
        byte[] small = bytes(1, 100);
        byte[] huge = bytes(2, (int) largestEntry(BOUND) + 1);
        cache.put(contentKey(small), small);
        cache.put(contentKey(huge), huge);
        assertThat(cache.get(contentKey(huge))).isEmpty();
        assertThat(cache.contains(contentKey(huge))).isFalse();
        assertThat(cache.get(contentKey(small))).isPresent();
        assertThat(storage(cache.stats()).bytes()).isEqualTo(100);
    }

    @Test
    void storesAnEntryExactlyAsLargeAsItKeeps() throws IOException {
        ChunkCache cache = open(BOUND);
        byte[] largest = bytes(1, (int) largestEntry(BOUND));
        cache.put(contentKey(largest), largest);
        assertThat(cache.get(contentKey(largest))).hasValueSatisfying(b -> assertThat(b).isEqualTo(largest));
    }

    @Test
    void statsCountHitsMissesEntriesAndBytes() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(contentKey(bytes(1, 300)), bytes(1, 300));
        cache.put(contentKey(bytes(2, 200)), bytes(2, 200));
        cache.get(contentKey(bytes(1, 300)));
        cache.get(contentKey(bytes(1, 300)));
        cache.get(contentKey(bytes(3, 300)));
        CacheStats stats = cache.stats();
        assertThat(stats.hits()).isEqualTo(2);
        assertThat(stats.misses()).isEqualTo(1);
        assertThat(stats.errors()).isZero();
        assertThat(storage(stats).entries()).isEqualTo(2);
        assertThat(storage(stats).bytes()).isEqualTo(500);
        assertThat(storage(stats).maxBytes()).isEqualTo(BOUND);
    }

    @Test
    void puttingOneKeyTwiceHoldsOneEntry() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(contentKey(bytes(1, 300)), bytes(1, 300));
        cache.put(contentKey(bytes(1, 300)), bytes(1, 300));
        assertThat(storage(cache.stats()).entries()).isEqualTo(1);
        assertThat(storage(cache.stats()).bytes()).isEqualTo(300);
    }

    @Test
    void afterCloseGetMissesAndPutIsIgnored() throws IOException {
        ChunkCache cache = open(BOUND);
        cache.put(contentKey(bytes(1, 100)), bytes(1, 100));
        cache.close();
        cache.put(contentKey(bytes(2, 100)), bytes(2, 100));
        assertThat(cache.get(contentKey(bytes(1, 100)))).isEmpty();
        assertThat(cache.contains(contentKey(bytes(2, 100)))).isFalse();
    }

    @Test
    void concurrentGetsAndPutsKeepTheBoundAndNeverReturnWrongBytes() throws Exception {
        ChunkCache cache = open(16 * 1024);
        int wrong = runConcurrently(cache, Math.min(2048, (int) largestEntry(16 * 1024)));
        assertThat(wrong).as("gets that returned other bytes than were put").isZero();
        CacheStats stats = cache.stats();
        assertThat(storage(stats).bytes()).isLessThanOrEqualTo(16 * 1024);
        assertThat(stats.hits()).isPositive();
        assertThat(storage(stats).evictions()).isPositive();
        assertThat(stats.errors()).isZero();
    }

    /**
     * Eight threads getting and putting 32 keys at random (about twice what the bound holds), each key's bytes fixed by its number.
     *
     * @return how many gets returned bytes other than the key's
     */
    protected static int runConcurrently(ChunkCache cache, int largest) throws Exception {
        int keyCount = 32;
        List<byte[]> contents = new ArrayList<>();
        List<ChunkKey> keys = new ArrayList<>();
        for (int i = 0; i < keyCount; i++) {
            byte[] content = bytes(i, 100 + (i * 997) % (largest - 100));
            contents.add(content);
            // Half content-addressed, half legacy: both forms go through the same paths.
            keys.add(i % 2 == 0 ? contentKey(content) : legacyKey(i * 10_000L, content.length));
        }
        AtomicInteger wrong = new AtomicInteger();
        try (ExecutorService threads = Executors.newFixedThreadPool(8)) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(threads.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (int op = 0; op < 150; op++) {
                        int i = random.nextInt(keyCount);
                        if (random.nextBoolean()) {
                            cache.put(keys.get(i), contents.get(i));
                        } else {
                            Optional<byte[]> got = cache.get(keys.get(i));
                            if (got.isPresent() && !Arrays.equals(got.get(), contents.get(i))) {
                                wrong.incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        }
        return wrong.get();
    }
}
