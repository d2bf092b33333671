package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.junit.jupiter.api.Test;

class LayerDecisionMetricsTest {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final LayerDecisionMetrics metrics = new LayerDecisionMetrics(registry);

    @Test
    void decisionsAreCountedBySourceAndReason() {
        metrics.provided("cvmfs");
        metrics.provided("cvmfs");
        metrics.pulled(DeclineReason.NOT_PUBLISHED);
        metrics.pulled(DeclineReason.UNAVAILABLE);
        metrics.pulled(DeclineReason.NOT_PUBLISHED);

        assertThat(registry.scrape())
                .contains("# TYPE cvmfs_stargz_layer_decisions_total counter")
                .contains("cvmfs_stargz_layer_decisions_total{reason=\"provided\",source=\"cvmfs\"} 2")
                .contains("cvmfs_stargz_layer_decisions_total{reason=\"not_published\",source=\"pull\"} 2")
                .contains("cvmfs_stargz_layer_decisions_total{reason=\"unavailable\",source=\"pull\"} 1");
    }

    @Test
    void everyReasonIsALowerCaseLabelValue() {
        for (DeclineReason reason : DeclineReason.values()) {
            metrics.pulled(reason);
        }
        assertThat(registry.find(LayerDecisionMetrics.NAME).counters()).hasSize(DeclineReason.values().length)
                .allSatisfy(c -> assertThat(c.getId().getTag("reason")).matches("[a-z_]+"));
    }
}
