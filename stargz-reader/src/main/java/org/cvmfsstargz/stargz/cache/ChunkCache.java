package org.cvmfsstargz.stargz.cache;

import java.util.Optional;

/**
 * A bounded store of verified chunk bytes by {@link ChunkKey}. A cache is an optimisation only:
 * it never fails its caller over I/O. A broken entry reads as a miss, a write that fails is
 * dropped, and the caller fetches the chunk again.
 *
 * <p>Byte arrays are handed over, not copied: the array given to {@link #put} may be kept and
 * returned by later {@link #get}s (to any thread), so neither the caller of {@code put} nor the
 * caller of {@code get} may modify it. Copying every 4 MiB chunk on each read would cost more
 * than the cache saves.
 *
 * <p>Implementations are thread-safe: a FUSE mount calls them from many threads at once. The
 * creator of a cache closes it; after {@link #close()}, {@code get} misses and {@code put} is
 * ignored, so reads still in flight during an unmount do not fail.
 */
public interface ChunkCache extends AutoCloseable {
    /**
     * The bytes stored under {@code key}, or empty on a miss. Content-addressed entries are only
     * returned if they hash to their key's digest. Never throws for I/O trouble: a broken entry is
     * logged, deleted, and reported as a miss.
     */
    Optional<byte[]> get(ChunkKey key);

    /**
     * Copies {@code length} bytes of the chunk held under {@code key}, from its byte {@code from},
     * into {@code dst} at {@code dstOffset}; false on a miss, with nothing copied. What a read of a
     * cached chunk needs: a tier that can serve part of an entry without making a copy of all of it
     * does so, after the same checks as {@link #get}. Counted as {@link #get} counts.
     */
    default boolean read(ChunkKey key, long from, byte[] dst, int dstOffset, int length) {
        Optional<byte[]> bytes = get(key);
        if (bytes.isEmpty() || from < 0 || from + length > bytes.get().length) {
            return false;
        }
        System.arraycopy(bytes.get(), (int) from, dst, dstOffset, length);
        return true;
    }

    /**
     * A sink to write the chunk of {@code key}, {@code size} bytes long, into this cache as it is
     * verified; empty if this cache cannot store a chunk that way (or not this one: larger than its
     * bound, no room, an I/O error), and the caller then verifies it in memory and {@link #put}s it.
     */
    default Optional<ChunkSink> sink(ChunkKey key, long size) {
        return Optional.empty();
    }

    /**
     * Whether {@code key} is held, without reading, verifying or counting it, and without making
     * it more recently used: a cheap hint for deciding what to prefetch. A later {@link #get} may
     * still miss (the entry was evicted, or found broken).
     */
    boolean contains(ChunkKey key);

    /**
     * Stores {@code verifiedBytes} under {@code key}, evicting least recently used entries as the
     * bound requires. Best effort: an entry too large for the cache is not stored, and I/O errors
     * (a full disk, a removed directory) are logged and counted, never thrown. The caller must have
     * verified the bytes; see the class comment on array ownership.
     */
    void put(ChunkKey key, byte[] verifiedBytes);

    /**
     * Makes {@code key} the most recently used entry, if held, without reading it. A
     * {@link TieredChunkCache} calls it on its disk tier when the memory tier answers, so that the
     * entries read most often are not the first the disk evicts.
     */
    default void touch(ChunkKey key) {
    }

    /** A snapshot of the counters and sizes; cheap enough to call on every metrics scrape. */
    CacheStats stats();

    /** Stops using the cache; idempotent. Entries on disk stay for the next run. */
    @Override
    void close();

    /** A cache that holds nothing: every {@code get} misses (and counts as a miss). */
    static ChunkCache none() {
        return new NoChunkCache();
    }
}
