package org.cvmfsstargz.stargz.format;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds a TOC must stay within before this library builds an index from it or serves its chunks.
 * A hostile or broken layer hits one of them and is rejected (so pulled normally) instead of
 * exhausting memory. Validated once, here. Immutable and thread-safe.
 *
 * @param maxTocBytes the largest TOC section (compressed) and TOC JSON (uncompressed) accepted
 * @param maxEntries the most TOC entries (chunks included) accepted
 * @param maxPathBytes the longest entry name or hard-link target, in UTF-8 bytes (Linux's
 *     {@code PATH_MAX} is 4096)
 * @param maxChunkSize the largest uncompressed chunk; a chunk is held in memory whole while its
 *     digest is checked, so this bounds the memory of one read
 * @param maxFileSize the largest regular file
 * @param maxXattrBytes the most extended-attribute bytes (names and values) on one entry
 * @param maxBuildTime the longest a TOC may take to be parsed and built into an index; the size
 *     limits bound memory, this bounds the core a hostile TOC can spin
 */
public record TocLimits(long maxTocBytes, int maxEntries, int maxPathBytes, int maxChunkSize,
        long maxFileSize, int maxXattrBytes, Duration maxBuildTime) {
    private static final long MIB = 1L << 20;
    /**
     * Measured with the daemon's JVM options (C1, serial GC): 540,000 entries (128 MiB of JSON,
     * the daemon's default size limit) build in about 2 s, so 2 million in about 8 s; this leaves
     * a loaded node a wide margin.
     */
    public static final Duration DEFAULT_MAX_BUILD_TIME = Duration.ofSeconds(30);

    public TocLimits {
        requirePositive(maxTocBytes, "maxTocBytes");
        requirePositive(maxEntries, "maxEntries");
        requirePositive(maxPathBytes, "maxPathBytes");
        requirePositive(maxChunkSize, "maxChunkSize");
        requirePositive(maxFileSize, "maxFileSize");
        requirePositive(maxXattrBytes, "maxXattrBytes");
        Objects.requireNonNull(maxBuildTime, "maxBuildTime");
        if (maxBuildTime.isNegative() || maxBuildTime.isZero() || maxBuildTime.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("maxBuildTime must be positive and at most a day, got " + maxBuildTime);
        }
        if (maxChunkSize > 1 << 30) {
            throw new IllegalArgumentException("maxChunkSize is at most 1 GiB, got " + maxChunkSize);
        }
    }

    /** Limits with the default {@link #DEFAULT_MAX_BUILD_TIME}. */
    public TocLimits(long maxTocBytes, int maxEntries, int maxPathBytes, int maxChunkSize, long maxFileSize,
            int maxXattrBytes) {
        this(maxTocBytes, maxEntries, maxPathBytes, maxChunkSize, maxFileSize, maxXattrBytes, DEFAULT_MAX_BUILD_TIME);
    }

    /** These limits with another {@link #maxBuildTime()}. */
    public TocLimits withMaxBuildTime(Duration time) {
        return new TocLimits(maxTocBytes, maxEntries, maxPathBytes, maxChunkSize, maxFileSize, maxXattrBytes, time);
    }

    /**
     * 256 MiB of TOC (roughly 600,000 entries as the reference writer pretty-prints them), 2 million
     * entries, 4096-byte paths, 16 MiB chunks (the reference writer's default is 4 MiB; a chunk the
     * disk cache cannot take is held whole in the heap while it is verified, by each of a mount's
     * FUSE workers, so 64 MiB chunks could take 640 MiB of a 384 MiB heap), 1 TiB
     * files, 1 MiB of extended attributes per entry, 30 seconds to build.
     */
    public static TocLimits defaults() {
        return new TocLimits(256 * MIB, 2_000_000, 4096, (int) (16 * MIB), 1L << 40, (int) MIB);
    }

    private static void requirePositive(long value, String name) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
