package org.cvmfsstargz.stargz.cache;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * The disk cache, with a small memory cache for what the disk cannot store: a {@link DiskChunkCache}
 * and a {@link MemoryChunkCache}. Reads of chunks the disk holds go to the disk, by range ({@link
 * #read}), where the kernel's page cache keeps what is read often; the heap holds no copy of them.
 * {@code put} stores on disk, and in memory only a chunk the disk did not keep (larger than its
 * bound, or a write that failed), so that it is still at hand for the next reads. A memory hit
 * {@linkplain ChunkCache#touch touches} the disk entry, should it have one.
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
     * @param memory the tier asked first, which holds what the disk does not
     * @param disk the tier that holds every chunk it can
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
        if (fromDisk.isEmpty()) {
            misses.increment();
        }
        return fromDisk;
    }

    /** Memory, else a ranged read of the disk entry. */
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

    /** The disk's: a chunk the disk cannot take is verified in memory and {@link #put} here. */
    @Override
    public Optional<ChunkSink> sink(ChunkKey key, long size) {
        return disk.sink(key, size);
    }

    @Override
    public boolean contains(ChunkKey key) {
        return memory.contains(key) || disk.contains(key);
    }

    @Override
    public void put(ChunkKey key, byte[] verifiedBytes) {
        disk.put(key, verifiedBytes);
        if (!disk.contains(key)) {
            memory.put(key, verifiedBytes);
        }
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
