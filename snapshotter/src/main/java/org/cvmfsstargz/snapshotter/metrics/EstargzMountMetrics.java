package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;

/**
 * {@code cvmfs_stargz_estargz_mounted_layers}: how many eStargz layers the source has mounted
 * through FUSE, read from the source at scrape time. Thread-safe.
 */
public final class EstargzMountMetrics implements MeterBinder {
    static final String NAME = "cvmfs.stargz.estargz.mounted.layers";

    private final EstargzLayerSource source;

    public EstargzMountMetrics(EstargzLayerSource source) {
        this.source = source;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        Gauge.builder(NAME, source, EstargzLayerSource::mountedLayers)
                .description("eStargz layers mounted through FUSE by this daemon")
                .register(registry);
    }
}
