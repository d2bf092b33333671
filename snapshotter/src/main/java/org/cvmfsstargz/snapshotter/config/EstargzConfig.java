package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The {@code [estargz]} section: whether eStargz layers are mounted lazily through FUSE, how they
 * are verified, prefetched and cached. Every key has a default; a missing key (null from the
 * parser) takes it here, once, at load.
 *
 * @param enabled               whether eStargz layers are mounted at all
 * @param requireTocDigest      refuse (pull normally) a layer whose Prepare carries no
 *                              {@code containerd.io/snapshot/stargz/toc.digest}; off only to mount legacy
 *                              stargz images converted without it, whose TOC is then trusted unverified
 * @param prefetch              fetch the range a layer's {@code .prefetch.landmark} marks as soon as it is mounted
 * @param backgroundFetch       fetch the rest of every layer while nothing reads it (uses bandwidth and cache)
 * @param cacheDir              where verified chunks, and mounted layers' verified TOCs (for restores without the
 *                              registry), are kept; empty means {@code <daemon.root>/cache}
 * @param cacheMaxBytes         the bound of the chunk cache on disk; least recently used chunks are evicted
 * @param memoryCacheMaxBytes   the bound of the in-memory chunk cache in front of the disk
 * @param maxTocBytes           the largest TOC accepted, compressed and uncompressed; a larger layer is pulled
 * @param tocPrefetchMaxBytes   the heap that TOCs of an image's later layers, fetched and parsed ahead of their
 *                              Prepare, may hold while they wait for it; 0 fetches each layer's TOC at its Prepare
 * @param readAheadBytes        the aligned window of a layer's blob whose small files a read that misses fetches
 *                              along with its own chunks; 0 fetches only what the read needs
 * @param tocBuildTimeoutMs     the longest a TOC may take to be parsed and built into an index; a layer whose TOC
 *                              takes longer is pulled (a hostile TOC would otherwise spin a core for minutes)
 */
public record EstargzConfig(Boolean enabled, Boolean requireTocDigest, Boolean prefetch, Boolean backgroundFetch,
        Path cacheDir, Long cacheMaxBytes, Long memoryCacheMaxBytes, Long maxTocBytes, Long tocPrefetchMaxBytes,
        Long readAheadBytes, Integer tocBuildTimeoutMs) {
    public static final long DEFAULT_CACHE_BYTES = 10L << 30;
    public static final long DEFAULT_MEMORY_CACHE_BYTES = 16L << 20;
    public static final long DEFAULT_MAX_TOC_BYTES = 128L << 20;
    public static final long DEFAULT_TOC_PREFETCH_BYTES = 64L << 20;
    public static final long DEFAULT_READ_AHEAD_BYTES = 256L << 10;
    public static final int DEFAULT_TOC_BUILD_TIMEOUT_MS = 30_000;
    /** The longest range one request of a read asks for: its window must fit in it. */
    public static final long MAX_READ_AHEAD_BYTES = 4L << 20;

    public EstargzConfig {
        enabled = Optional.ofNullable(enabled).orElse(true);
        requireTocDigest = Optional.ofNullable(requireTocDigest).orElse(true);
        prefetch = Optional.ofNullable(prefetch).orElse(true);
        backgroundFetch = Optional.ofNullable(backgroundFetch).orElse(false);
        if (cacheDir != null && !cacheDir.toString().isEmpty() && !cacheDir.isAbsolute()) {
            throw new ConfigException("estargz.cache_dir", "must be an absolute path, got \"" + cacheDir + "\"");
        }
        cacheMaxBytes = atLeast("estargz.cache_max_bytes", Optional.ofNullable(cacheMaxBytes)
                .orElse(DEFAULT_CACHE_BYTES), 0);
        memoryCacheMaxBytes = atLeast("estargz.memory_cache_max_bytes", Optional.ofNullable(memoryCacheMaxBytes)
                .orElse(DEFAULT_MEMORY_CACHE_BYTES), 0);
        maxTocBytes = atLeast("estargz.max_toc_bytes", Optional.ofNullable(maxTocBytes).orElse(DEFAULT_MAX_TOC_BYTES),
                1 << 10);
        tocPrefetchMaxBytes = atLeast("estargz.toc_prefetch_max_bytes", Optional.ofNullable(tocPrefetchMaxBytes)
                .orElse(DEFAULT_TOC_PREFETCH_BYTES), 0);
        readAheadBytes = atLeast("estargz.read_ahead_bytes", Optional.ofNullable(readAheadBytes)
                .orElse(DEFAULT_READ_AHEAD_BYTES), 0);
        tocBuildTimeoutMs = (int) atLeast("estargz.toc_build_timeout_ms", Optional.ofNullable(tocBuildTimeoutMs)
                .orElse(DEFAULT_TOC_BUILD_TIMEOUT_MS), 1);
        if (readAheadBytes > MAX_READ_AHEAD_BYTES) {
            throw new ConfigException("estargz.read_ahead_bytes", "must be at most " + MAX_READ_AHEAD_BYTES
                    + " (4 MiB), got " + readAheadBytes);
        }
        if (maxTocBytes > Integer.MAX_VALUE / 2) {
            throw new ConfigException("estargz.max_toc_bytes", "must be at most " + Integer.MAX_VALUE / 2
                    + " (1 GiB), got " + maxTocBytes);
        }
    }

    public static EstargzConfig defaults() {
        return new EstargzConfig(null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Where chunks are cached: {@code cache_dir}, or {@code cache} under the daemon's root. */
    public Path cacheDir(Path daemonRoot) {
        return cacheDir == null || cacheDir.toString().isEmpty() ? daemonRoot.resolve("cache") : cacheDir.normalize();
    }

    private static long atLeast(String key, long value, long minimum) {
        if (value < minimum) {
            throw new ConfigException(key, "must be at least " + minimum + ", got " + value);
        }
        return value;
    }
}
