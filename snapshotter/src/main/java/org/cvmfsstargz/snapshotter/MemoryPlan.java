package org.cvmfsstargz.snapshotter;

import java.util.Objects;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;

/**
 * What the daemon's heap must hold, from its configuration, checked against the heap the JVM was
 * given (docs/design/startup-and-memory.md). The JVM's options bound the heap (jvm.options: half
 * of the container's memory limit, at most 384 MiB); the configuration's budgets must fit in that
 * bound, or a node would find out at the first large layer, with an OutOfMemoryError. So a
 * configuration whose budgets do not fit stops start-up, naming the heap it needs.
 *
 * @param baseBytes        what the daemon needs besides the budgets: gRPC and HTTP buffers, the
 *                         store, metrics, FUSE threads' read buffers, chunks being verified
 * @param memoryCacheBytes {@code estargz.memory_cache_max_bytes} (0 when eStargz is off)
 * @param tocBytes         {@code estargz.max_toc_bytes}: a layer's TOC section is read whole
 *                         before it is parsed (0 when eStargz is off)
 * @param tocPrefetchBytes twice {@code estargz.toc_prefetch_max_bytes}: the TOCs fetched ahead
 *                         and parsed, and their sections in flight, each bounded by it (0 when
 *                         eStargz is off)
 * @param fetchBytes       the compressed bytes chunk fetches hold at once (a constant of the
 *                         eStargz source; 0 when eStargz is off)
 */
public record MemoryPlan(long baseBytes, long memoryCacheBytes, long tocBytes, long tocPrefetchBytes,
        long fetchBytes) {
    /** Measured: a daemon serving a pull and reads holds 15 to 30 MiB of live heap besides its budgets. */
    static final long BASE_BYTES = 32L << 20;

    public MemoryPlan {
        if (baseBytes < 0 || memoryCacheBytes < 0 || tocBytes < 0 || tocPrefetchBytes < 0 || fetchBytes < 0) {
            throw new IllegalArgumentException("negative budget");
        }
    }

    /** The plan of {@code config}. */
    public static MemoryPlan of(Config config) {
        Objects.requireNonNull(config, "config");
        boolean estargz = config.estargz().enabled();
        return new MemoryPlan(BASE_BYTES, estargz ? config.estargz().memoryCacheMaxBytes() : 0,
                estargz ? config.estargz().maxTocBytes() : 0, estargz ? 2 * config.estargz().tocPrefetchMaxBytes() : 0,
                estargz ? EstargzLayerSource.FETCH_MEMORY_BYTES : 0);
    }

    /** The least heap the plan needs. */
    public long heapBytes() {
        return baseBytes + memoryCacheBytes + tocBytes + tocPrefetchBytes + fetchBytes;
    }

    /**
     * Refuses a heap smaller than the plan needs.
     *
     * @param maxHeapBytes the JVM's heap bound ({@link Runtime#maxMemory()})
     * @throws ConfigException naming the budgets, what they need and how to give it
     */
    public void requireFits(long maxHeapBytes) {
        if (heapBytes() > maxHeapBytes) {
            throw new ConfigException("estargz.memory_cache_max_bytes", String.format(
                    "with estargz.max_toc_bytes (%d MiB) and estargz.toc_prefetch_max_bytes (%d MiB) the memory"
                    + " budgets need a heap of at least %d MiB,"
                    + " and this JVM has %d MiB: lower the budgets, or give the JVM more (JAVA_OPTS=-Xmx%dm,"
                    + " or a larger memory limit for the container; see docs/design/startup-and-memory.md)",
                    tocBytes >> 20, tocPrefetchBytes >> 21, mib(heapBytes()), maxHeapBytes >> 20, mib(heapBytes())));
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }
}
