package org.cvmfsstargz.stargz.cache;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * A small fast cache in front of a large slow one, normally a {@link MemoryChunkCache} in front of
 * a {@link DiskChunkCache}. {@code get} asks memory, then disk, copying a disk hit into memory;
 * {@code put} stores in both; a memory hit {@linkplain ChunkCache#touch touches} the disk entry so
 * that the disk's LRU order also reflects reads memory answered.
 *
 * <p>Stats add up the tiers' own: memory hits, disk hits, each tier's sizes and evictions; a miss
 * is a get that neither tier answered.
 *
 * <p>Thread-safe if both tiers are. Owns both tiers: {@link #close()} closes them.
 */
public final class TieredChunkCache implements ChunkCache {
    private final ChunkCache memory;
    private final ChunkCache disk;
    private final LongAdder misses = new LongAdder();

    /**
     * @param memory the tier asked first, which disk hits are copied into
     * @param disk the tier asked second
     */
    public TieredChunkCache(ChunkCache memory, ChunkCache disk) {
        this.memory = Objects.requireNonNull(memory, "memory");
        this.disk = Objects.requireNonNull(disk, "disk");
    }

    @Override
    public Optional<byte[]> get(ChunkKey key) {
        Optional<byte[]> fromMemory = memory.get(key);
        if (fromMemory.isPresent()) {
            disk.touch(key);
            return fromMemory;
        }
        Optional<byte[]> fromDisk = disk.get(key);
        if (fromDisk.isPresent()) {
            memory.put(key, fromDisk.get());
            return fromDisk;
        }
        misses.increment();
        return Optional.empty();
    }

    /** Memory, else a ranged read of the disk entry, which is not copied into memory: the page cache keeps it. */
    @Override
    public boolean read(ChunkKey key, long from, byte[] dst, int dstOffset, int length) {
        if (memory.read(key, from, dst, dstOffset, length)) {
            disk.touch(key);
            return true;
        }
        if (disk.read(key, from, dst, dstOffset, length)) {
            return true;
        }
        misses.increment();
        return false;
    }

    @Override
    public boolean contains(ChunkKey key) {
        return memory.contains(key) || disk.contains(key);
    }

    @Override
    public void put(ChunkKey key, byte[] verifiedBytes) {
        memory.put(key, verifiedBytes);
        disk.put(key, verifiedBytes);
    }

    @Override
    public void touch(ChunkKey key) {
        memory.touch(key);
        disk.touch(key);
    }

    @Override
    public CacheStats stats() {
        CacheStats first = memory.stats();
        CacheStats second = disk.stats();
        return new CacheStats(first.memory().plus(second.memory()), first.disk().plus(second.disk()), misses.sum(),
                first.errors() + second.errors());
    }

    @Override
    public void close() {
        try {
            memory.close();
        } finally {
            disk.close();
        }
    }
}
