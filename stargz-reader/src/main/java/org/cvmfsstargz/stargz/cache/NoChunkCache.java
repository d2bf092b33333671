package org.cvmfsstargz.stargz.cache;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/** {@link ChunkCache#none()}: stores nothing and counts misses. Thread-safe; closing does nothing. */
final class NoChunkCache implements ChunkCache {
    private final LongAdder misses = new LongAdder();

    @Override
    public Optional<byte[]> get(ChunkKey key) {
        Objects.requireNonNull(key, "key");
        misses.increment();
        return Optional.empty();
    }

    @Override
    public boolean contains(ChunkKey key) {
        Objects.requireNonNull(key, "key");
        return false;
    }

    @Override
    public void put(ChunkKey key, byte[] verifiedBytes) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(verifiedBytes, "verifiedBytes");
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(TierStats.NONE, TierStats.NONE, misses.sum(), 0);
    }

    @Override
    public void close() {
    }
}
