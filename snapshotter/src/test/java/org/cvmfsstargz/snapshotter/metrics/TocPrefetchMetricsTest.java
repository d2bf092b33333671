package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.cvmfsstargz.stargz.layer.TocPrefetcher;
import org.junit.jupiter.api.Test;

class TocPrefetchMetricsTest {
    @Test
    void everyOutcomeIsThereFromTheStartAndCountsWhatHappened() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TocPrefetchMetrics metrics = new TocPrefetchMetrics(registry);
        AtomicLong held = new AtomicLong(4096);
        TocPrefetchMetrics.bindHeldBytes(registry, held::get);

        metrics.outcome(TocPrefetcher.Outcome.USED);
        metrics.outcome(TocPrefetcher.Outcome.USED);
        metrics.outcome(TocPrefetcher.Outcome.MISMATCHED);

        assertThat(registry.scrape()).contains(
                "cvmfs_stargz_estargz_toc_prefetches_total{outcome=\"used\"} 2.0",
                "cvmfs_stargz_estargz_toc_prefetches_total{outcome=\"mismatched\"} 1.0",
                "cvmfs_stargz_estargz_toc_prefetches_total{outcome=\"failed\"} 0.0",
                "cvmfs_stargz_estargz_toc_prefetches_total{outcome=\"expired\"} 0.0",
                "cvmfs_stargz_estargz_toc_prefetches_total{outcome=\"over_budget\"} 0.0",
                "cvmfs_stargz_estargz_toc_prefetch_held_bytes 4096.0");
    }
}
