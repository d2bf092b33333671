package org.cvmfsstargz.stargz.cache;

import java.util.Objects;

/**
 * What a {@link ChunkCache} holds and how it has been used, by tier. A cache without a memory or
 * disk tier reports {@link TierStats#NONE} for it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param memory the in-memory tier
 * @param disk the on-disk tier
 * @param misses gets that no tier answered
 * @param errors I/O failures: writes dropped, and entries found unreadable or corrupt (and deleted)
 */
public record CacheStats(TierStats memory, TierStats disk, long misses, long errors) {
    public CacheStats {
        Objects.requireNonNull(memory, "memory");
        Objects.requireNonNull(disk, "disk");
        if (misses < 0 || errors < 0) {
            throw new IllegalArgumentException("negative cache statistics: misses " + misses + ", errors " + errors);
        }
    }

    /** Gets answered by any tier. */
    public long hits() {
        return memory.hits() + disk.hits();
    }
}
