package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;

/**
 * {@code cvmfs_stargz_cvmfs_repository_unavailable_total{repository}}: how often each configured
 * repository could not answer the CVMFS layer source (error, timeout, hang), read from the
 * source's own counts at scrape time. Every configured repository has its series from the start,
 * at zero, so that {@code increase()} sees the first failure. Thread-safe.
 */
public final class CvmfsUnavailabilityMetrics implements MeterBinder {
    static final String NAME = "cvmfs.stargz.cvmfs.repository.unavailable";

    private final List<String> repositories;
    private final CvmfsLayerSource source;

    public CvmfsUnavailabilityMetrics(List<String> repositories, CvmfsLayerSource source) {
        this.repositories = List.copyOf(repositories);
        this.source = source;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (String repository : repositories) {
            FunctionCounter.builder(NAME, source, s -> s.unavailableCounts().getOrDefault(repository, 0L))
                    .description("Times a CVMFS repository could not answer whether it publishes a layer")
                    .tag("repository", repository)
                    .register(registry);
        }
    }
}
