package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.cvmfsstargz.stargz.layer.TocPrefetcher;

/**
 * What became of the TOCs the eStargz source fetched ahead of their layers' Prepare:
 * {@code cvmfs_stargz_estargz_toc_prefetches_total{outcome}}, where {@code outcome} is a
 * {@link TocPrefetcher.Outcome} in lower case, registered up front at zero; and
 * {@code cvmfs_stargz_estargz_toc_prefetch_held_bytes}, the heap the TOCs waiting for their
 * Prepare take, read at scrape time. Thread-safe.
 */
public final class TocPrefetchMetrics implements TocPrefetcher.Listener {
    static final String OUTCOMES = "cvmfs.stargz.estargz.toc.prefetches";
    static final String HELD = "cvmfs.stargz.estargz.toc.prefetch.held.bytes";

    /** By {@link TocPrefetcher.Outcome#ordinal()}. */
    private final Counter[] outcomes;

    public TocPrefetchMetrics(MeterRegistry registry) {
        TocPrefetcher.Outcome[] values = TocPrefetcher.Outcome.values();
        outcomes = new Counter[values.length];
        for (TocPrefetcher.Outcome outcome : values) {
            outcomes[outcome.ordinal()] = Counter.builder(OUTCOMES)
                    .description("TOCs of eStargz layers fetched ahead of their Prepare, by what became of them")
                    .tag("outcome", outcome.name().toLowerCase(Locale.ROOT))
                    .register(registry);
        }
    }

    /** Registers the gauge of held bytes, read from {@code heldBytes} (the prefetcher's) at each scrape. */
    public static void bindHeldBytes(MeterRegistry registry, LongSupplier heldBytes) {
        Gauge.builder(HELD, heldBytes, s -> (double) s.getAsLong())
                .description("Heap taken by parsed TOCs of eStargz layers waiting for their Prepare")
                .baseUnit("bytes")
                .register(registry);
    }

    @Override
    public void outcome(TocPrefetcher.Outcome outcome) {
        outcomes[outcome.ordinal()].increment();
    }
}
