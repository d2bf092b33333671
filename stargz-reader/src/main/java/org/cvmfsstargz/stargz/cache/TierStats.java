package org.cvmfsstargz.stargz.cache;

/**
 * The counters and sizes of one tier of a {@link ChunkCache}, memory or disk, as part of
 * {@link CacheStats}. Counters count since the cache was opened; sizes are current.
 *
 * <p>Immutable and thread-safe.
 *
 * @param hits gets answered by this tier
 * @param entries entries held
 * @param bytes bytes held, at most {@code maxBytes} once concurrent writes have finished
 * @param maxBytes the tier's bound
 * @param evictions entries removed to keep within the bound
 */
public record TierStats(long hits, long entries, long bytes, long maxBytes, long evictions) {
    /** The stats of a tier a cache does not have. */
    public static final TierStats NONE = new TierStats(0, 0, 0, 0, 0);

    public TierStats {
        if (hits < 0 || entries < 0 || bytes < 0 || maxBytes < 0 || evictions < 0) {
            throw new IllegalArgumentException("negative cache statistics: hits " + hits + ", entries " + entries
                    + ", bytes " + bytes + ", maxBytes " + maxBytes + ", evictions " + evictions);
        }
    }

    /** Both tiers' stats added up, for a cache combining two caches of the same kind. */
    public TierStats plus(TierStats other) {
        return new TierStats(hits + other.hits, entries + other.entries, bytes + other.bytes,
                maxBytes + other.maxBytes, evictions + other.evictions);
    }
}
