package org.cvmfsstargz.stargz.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The small in-memory tier: a least-recently-used map bounded by the total length of its entries.
 * An entry larger than a quarter of the bound is not kept, so that one huge chunk cannot flush
 * everything else. Memory use is the bound plus under 200 bytes per entry (key and map node), whatever the size of
 * the layers read through it.
 *
 * <p>Thread-safe: one lock guards the map, held only for map operations (never for I/O or
 * copying). Nothing to release; {@link #close()} empties it.
 */
public final class MemoryChunkCache implements ChunkCache {
    private final long maxBytes;
    private final long maxEntryBytes;
    /** Access-ordered: iteration starts at the least recently used entry. */
    private final LinkedHashMap<ChunkKey, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;
    private long hits;
    private long misses;
    private long evictions;
    private boolean closed;

    /**
     * @param maxBytes the most bytes of entries held; 0 holds nothing
     */
    public MemoryChunkCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("memory cache bound must not be negative, got " + maxBytes);
        }
        this.maxBytes = maxBytes;
        this.maxEntryBytes = maxBytes / 4;
    }

    /** The largest entry kept: a quarter of the bound. */
    public long maxEntryBytes() {
        return maxEntryBytes;
    }

    @Override
    public synchronized Optional<byte[]> get(ChunkKey key) {
        Objects.requireNonNull(key, "key");
        byte[] found = entries.get(key);
        if (found == null) {
            misses++;
            return Optional.empty();
        }
        hits++;
        return Optional.of(found);
    }

    @Override
    public synchronized boolean contains(ChunkKey key) {
        // containsKey does not count as an access in an access-ordered LinkedHashMap.
        return entries.containsKey(Objects.requireNonNull(key, "key"));
    }

    @Override
    public synchronized void put(ChunkKey key, byte[] verifiedBytes) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(verifiedBytes, "verifiedBytes");
        if (closed || verifiedBytes.length > maxEntryBytes) {
            return;
        }
        byte[] previous = entries.put(key, verifiedBytes);
        bytes += verifiedBytes.length - (previous == null ? 0 : previous.length);
        // The new entry is the most recent and at most a quarter of the bound, so it is never reached.
        Iterator<Map.Entry<ChunkKey, byte[]>> eldest = entries.entrySet().iterator();
        while (bytes > maxBytes && eldest.hasNext()) {
            bytes -= eldest.next().getValue().length;
            eldest.remove();
            evictions++;
        }
    }

    @Override
    public synchronized void touch(ChunkKey key) {
        entries.get(Objects.requireNonNull(key, "key"));
    }

    @Override
    public synchronized CacheStats stats() {
        return new CacheStats(new TierStats(hits, entries.size(), bytes, maxBytes, evictions), TierStats.NONE,
                misses, 0);
    }

    @Override
    public synchronized void close() {
        closed = true;
        entries.clear();
        bytes = 0;
    }
}
