package org.cvmfsstargz.stargz.cache;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a {@link DiskChunkCache} holds, in memory: each entry's length in least-recently-used
 * order, the total, and room reserved for writes in progress. The index decides what to evict;
 * the caller deletes the files, outside the index's lock.
 *
 * <p>Each recorded write gets its own {@link Slot}, compared by identity, so a reader that found
 * an entry broken removes it only if no newer write has replaced it meanwhile (see
 * {@link #remove}).
 *
 * <p>Thread-safe: every method holds the index's lock for a few map operations, never for I/O.
 */
final class DiskIndex {
    /**
     * One recorded write of an entry: its length, by identity which write it was, whether its
     * bytes were checked in this run, and when its file's time was last set.
     */
    static final class Slot {
        final long size;
        /** Written by this run from verified bytes, or read whole and checked since the cache opened. */
        volatile boolean verified;
        /** {@link System#nanoTime()} of the last time its file's modification time was set. */
        volatile long touchedNanos;

        Slot(long size, boolean verified) {
            this.size = size;
            this.verified = verified;
            this.touchedNanos = System.nanoTime();
        }
    }

    private final long maxBytes;
    /** Access-ordered: iteration starts at the least recently used entry. */
    private final LinkedHashMap<ChunkKey, Slot> slots = new LinkedHashMap<>(1024, 0.75f, true);
    private long bytes;
    private long reserved;
    private long evictions;

    DiskIndex(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The entry's slot, making it the most recently used; empty if not held. */
    synchronized Optional<Slot> lookup(ChunkKey key) {
        return Optional.ofNullable(slots.get(key));
    }

    /** Whether the entry is held; does not change the LRU order. */
    synchronized boolean contains(ChunkKey key) {
        return slots.containsKey(key);
    }

    /** Makes the entry the most recently used, if held; whether it is held. */
    synchronized boolean touch(ChunkKey key) {
        return slots.get(key) != null;
    }

    /** Adds an entry found at open, not checked yet; call in least-recently-used-first order. No eviction. */
    synchronized void load(ChunkKey key, long size) {
        Slot previous = slots.put(key, new Slot(size, false));
        bytes += size - (previous == null ? 0 : previous.size);
    }

    /**
     * Reserves {@code size} bytes for a write about to start, so that concurrent writes together
     * stay within the bound, and evicts what that needs.
     *
     * @return the evicted entries, whose files the caller deletes
     */
    synchronized List<ChunkKey> reserve(long size) {
        reserved += size;
        return evictWhileOver(Optional.empty());
    }

    /** Releases a reservation whose write failed. */
    synchronized void cancel(long size) {
        reserved -= size;
    }

    /**
     * Records a finished write of verified bytes under {@code key}, releasing its reservation, as
     * the most recently used entry.
     *
     * @return entries evicted to stay within the bound (never {@code key}), whose files the caller deletes
     */
    synchronized List<ChunkKey> commit(ChunkKey key, long size) {
        reserved -= size;
        Slot previous = slots.put(key, new Slot(size, true));
        bytes += size - (previous == null ? 0 : previous.size);
        return evictWhileOver(Optional.of(key));
    }

    /** Evicts down to the bound, as after opening with a lower bound than the last run. */
    synchronized List<ChunkKey> evictToBound() {
        return evictWhileOver(Optional.empty());
    }

    /**
     * Forgets the entry if {@code slot} is still its current write.
     *
     * @return whether it was removed (and the caller may delete the file)
     */
    synchronized boolean remove(ChunkKey key, Slot slot) {
        if (!slots.remove(key, slot)) {
            return false;
        }
        bytes -= slot.size;
        return true;
    }

    /** The disk tier's stats with {@code hits} counted by the caller. */
    synchronized TierStats stats(long hits) {
        return new TierStats(hits, slots.size(), bytes, maxBytes, evictions);
    }

    private List<ChunkKey> evictWhileOver(Optional<ChunkKey> keep) {
        List<ChunkKey> evicted = new ArrayList<>(0);
        Iterator<Map.Entry<ChunkKey, Slot>> eldest = slots.entrySet().iterator();
        while (bytes + reserved > maxBytes && eldest.hasNext()) {
            Map.Entry<ChunkKey, Slot> entry = eldest.next();
            if (keep.isPresent() && keep.get().equals(entry.getKey())) {
                continue;
            }
            eldest.remove();
            bytes -= entry.getValue().size;
            evictions++;
            evicted.add(entry.getKey());
        }
        return evicted;
    }
}
