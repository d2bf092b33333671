package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.cvmfsstargz.stargz.layer.FetchPurpose;
import org.junit.jupiter.api.Test;

class FetchMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FetchMetrics metrics = new FetchMetrics(registry);

    @Test
    void fetchesAreCountedByPurposeWithTheirBytesRangesAndTime() {
        metrics.fetched(FetchPurpose.TOC, 1, 65_536, 20_000_000);
        metrics.fetched(FetchPurpose.ON_DEMAND, 3, 1000, 5_000_000);
        metrics.fetched(FetchPurpose.ON_DEMAND, 1, 500, 5_000_000);
        metrics.fetchFailed(FetchPurpose.PREFETCH);

        assertThat(registry.scrape())
                .contains("# TYPE cvmfs_stargz_registry_fetch_seconds histogram")
                .contains("cvmfs_stargz_registry_fetch_seconds_count{purpose=\"toc\"} 1")
                .contains("cvmfs_stargz_registry_fetch_seconds_count{purpose=\"on_demand\"} 2")
                .contains("cvmfs_stargz_registry_fetch_seconds_sum{purpose=\"on_demand\"} 0.01")
                .contains("cvmfs_stargz_registry_fetch_seconds_bucket{purpose=\"toc\",le=\"0.025\"} 1")
                .contains("cvmfs_stargz_registry_fetched_bytes_total{purpose=\"toc\"} 65536.0")
                .contains("cvmfs_stargz_registry_fetched_bytes_total{purpose=\"on_demand\"} 1500.0")
                .contains("cvmfs_stargz_registry_fetched_ranges_total{purpose=\"on_demand\"} 4.0")
                .contains("cvmfs_stargz_registry_fetch_failures_total{purpose=\"prefetch\"} 1.0")
                .contains("cvmfs_stargz_registry_fetch_failures_total{purpose=\"on_demand\"} 0.0");
    }

    @Test
    void servedBytesAreCountedByWhetherTheReadWaitedForTheRegistry() {
        metrics.served(4096, true);
        metrics.served(100, false);
        metrics.served(4096, true);
        metrics.verificationFailed();

        assertThat(registry.scrape())
                .contains("cvmfs_stargz_fuse_served_bytes_total{from=\"cache\"} 8192.0")
                .contains("cvmfs_stargz_fuse_served_bytes_total{from=\"registry\"} 100.0")
                .contains("cvmfs_stargz_chunk_verification_failures_total 1.0");
    }

    @Test
    void everyPurposeHasItsSeriesFromTheStartWithALowerCaseLabel() {
        assertThat(registry.find(FetchMetrics.FETCHED_BYTES).counters()).hasSize(FetchPurpose.values().length)
                .allSatisfy(c -> assertThat(c.getId().getTag("purpose")).matches("[a-z_]+"))
                .allSatisfy(c -> assertThat(c.count()).isZero());
        assertThat(registry.scrape()).contains("cvmfs_stargz_registry_fetch_seconds_count{purpose=\"background\"} 0",
                "cvmfs_stargz_fuse_served_bytes_total{from=\"registry\"} 0.0",
                "cvmfs_stargz_chunk_verification_failures_total 0.0");
    }
}
