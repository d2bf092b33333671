package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FuseOperationMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final FuseOperationMetrics metrics = new FuseOperationMetrics(registry);

    @Test
    void operationsAreTimedByOperationAndFailuresCounted() {
        metrics.completed("read", 2_000_000, true);
        metrics.completed("read", 4_000_000, false);
        metrics.completed("getattr", 50_000, true);

        Timer read = registry.get(FuseOperationMetrics.NAME).tag("operation", "read").timer();
        assertThat(read.count()).isEqualTo(2);
        assertThat(read.totalTime(TimeUnit.NANOSECONDS)).isEqualTo(6_000_000);
        assertThat(registry.scrape())
                .contains("# TYPE cvmfs_stargz_fuse_operation_seconds histogram")
                .contains("cvmfs_stargz_fuse_operation_seconds_count{operation=\"read\"} 2")
                .contains("cvmfs_stargz_fuse_operation_seconds_sum{operation=\"read\"} 0.006")
                .contains("cvmfs_stargz_fuse_operation_seconds_bucket{operation=\"read\",le=\"0.001\"} 0")
                .contains("cvmfs_stargz_fuse_operation_seconds_bucket{operation=\"read\",le=\"0.01\"} 2")
                .contains("cvmfs_stargz_fuse_operation_seconds_bucket{operation=\"getattr\",le=\"1.0E-4\"} 1")
                .contains("cvmfs_stargz_fuse_operation_errors_total{operation=\"read\"} 1.0")
                .contains("cvmfs_stargz_fuse_operation_errors_total{operation=\"getattr\"} 0.0");
    }

    @Test
    void everyOperationTheLayerAnswersHasItsSeriesFromTheStartAtZero() {
        assertThat(registry.find(FuseOperationMetrics.NAME).timers()).hasSize(FuseOperationMetrics.OPERATIONS.size())
                .allSatisfy(t -> assertThat(t.count()).isZero());
        assertThat(registry.find(FuseOperationMetrics.ERRORS).counters())
                .hasSize(FuseOperationMetrics.OPERATIONS.size());
        assertThat(registry.scrape()).contains("cvmfs_stargz_fuse_operation_seconds_count{operation=\"readdir\"} 0",
                "cvmfs_stargz_fuse_operation_errors_total{operation=\"statfs\"} 0.0");
    }

    @Test
    void anOperationOutsideTheKnownOnesGetsItsOwnSeriesOnFirstUse() {
        metrics.completed("lookup", 1000, true);
        metrics.completed("lookup", 1000, false);

        assertThat(registry.get(FuseOperationMetrics.NAME).tag("operation", "lookup").timer().count()).isEqualTo(2);
        assertThat(registry.get(FuseOperationMetrics.ERRORS).tag("operation", "lookup").counter().count())
                .isEqualTo(1);
    }
}
