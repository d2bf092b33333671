package org.cvmfsstargz.snapshotter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.function.ToLongFunction;
import org.cvmfsstargz.stargz.cache.CacheStats;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.TierStats;

/**
 * The eStargz chunk cache by tier ({@code memory}, {@code disk}), read from {@link ChunkCache#stats()}
 * once per scrape, so that the series of one scrape agree with each other: its size, bound and
 * entries, evictions, errors, and {@code cvmfs_stargz_cache_requests_total{tier, result}}.
 *
 * <p>Requests follow the daemon's {@code TieredChunkCache}: every get asks the memory tier, and a
 * memory miss asks the disk tier. So the memory tier's misses are the disk tier's requests (its
 * hits plus the gets no tier answered), and the disk tier's misses are the cache's misses. A cache
 * that holds nothing ({@code cache_max_bytes = 0}) shows both tiers empty, missing every get.
 *
 * <p>A Prometheus collector rather than Micrometer function meters, which would each read the
 * statistics again. Thread-safe; registered with the registry's Prometheus side by the composition root.
 */
public final class ChunkCacheCollector implements MultiCollector {
    private final ChunkCache cache;

    public ChunkCacheCollector(ChunkCache cache) {
        this.cache = cache;
    }

    @Override
    public MetricSnapshots collect() {
        CacheStats stats = cache.stats();
        TierStats memory = stats.memory();
        TierStats disk = stats.disk();
        long memoryMisses = disk.hits() + stats.misses();
        return new MetricSnapshots(
                gauge("cvmfs_stargz_cache_size_bytes", "Bytes of verified chunks the eStargz chunk cache holds, by"
                        + " tier", stats, TierStats::bytes),
                gauge("cvmfs_stargz_cache_max_bytes", "The bound of each tier of the eStargz chunk cache", stats,
                        TierStats::maxBytes),
                gauge("cvmfs_stargz_cache_entries", "Chunks the eStargz chunk cache holds, by tier", stats,
                        TierStats::entries),
                CounterSnapshot.builder().name("cvmfs_stargz_cache_requests")
                        .help("Lookups of chunks in each tier of the eStargz chunk cache; a memory miss asks the"
                                + " disk tier")
                        .dataPoint(request("memory", "hit", memory.hits()))
                        .dataPoint(request("memory", "miss", memoryMisses))
                        .dataPoint(request("disk", "hit", disk.hits()))
                        .dataPoint(request("disk", "miss", stats.misses()))
                        .build(),
                counter("cvmfs_stargz_cache_evictions", "Chunks evicted from the eStargz chunk cache to keep within"
                        + " its bound, by tier", stats, TierStats::evictions),
                CounterSnapshot.builder().name("cvmfs_stargz_cache_errors")
                        .help("I/O failures of the eStargz chunk cache: writes dropped, entries found unreadable or"
                                + " corrupt and deleted")
                        .dataPoint(CounterDataPointSnapshot.builder().value(stats.errors()).build())
                        .build());
    }

    private static GaugeSnapshot gauge(String name, String help, CacheStats stats, ToLongFunction<TierStats> field) {
        return GaugeSnapshot.builder().name(name).help(help)
                .dataPoint(GaugeDataPointSnapshot.builder().labels(tier("memory"))
                        .value(field.applyAsLong(stats.memory())).build())
                .dataPoint(GaugeDataPointSnapshot.builder().labels(tier("disk"))
                        .value(field.applyAsLong(stats.disk())).build())
                .build();
    }

    private static CounterSnapshot counter(String name, String help, CacheStats stats,
            ToLongFunction<TierStats> field) {
        return CounterSnapshot.builder().name(name).help(help)
                .dataPoint(CounterDataPointSnapshot.builder().labels(tier("memory"))
                        .value(field.applyAsLong(stats.memory())).build())
                .dataPoint(CounterDataPointSnapshot.builder().labels(tier("disk"))
                        .value(field.applyAsLong(stats.disk())).build())
                .build();
    }

    private static CounterDataPointSnapshot request(String tier, String result, long value) {
        return CounterDataPointSnapshot.builder().labels(Labels.of("tier", tier, "result", result)).value(value)
                .build();
    }

    private static Labels tier(String tier) {
        return Labels.of("tier", tier);
    }
}
