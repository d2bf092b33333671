package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Locale;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerDecisionListener;

/**
 * Counts layer decisions: {@code cvmfs_stargz_layer_decisions_total{source, reason}}, where
 * {@code source} is the source that provides the layer ({@code cvmfs}, later {@code estargz}) with
 * {@code reason="provided"}, or {@code pull} with the {@link DeclineReason} in lower case. Both
 * labels come from closed sets, so the series stay few. Thread-safe.
 */
public final class LayerDecisionMetrics implements LayerDecisionListener {
    static final String NAME = "cvmfs.stargz.layer.decisions";
    static final String PULL = "pull";
    static final String PROVIDED = "provided";

    private final MeterRegistry registry;

    public LayerDecisionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void provided(String source) {
        counter(source, PROVIDED).increment();
    }

    @Override
    public void pulled(DeclineReason reason) {
        counter(PULL, reason.name().toLowerCase(Locale.ROOT)).increment();
    }

    private Counter counter(String source, String reason) {
        return Counter.builder(NAME)
                .description("Layers containerd offered with a target chainID, by the source that provides"
                        + " them (or pull) and why")
                .tags("source", source, "reason", reason)
                .register(registry);
    }
}
