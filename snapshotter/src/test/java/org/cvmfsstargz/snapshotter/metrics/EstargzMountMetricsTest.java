package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.DiskTocStore;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.fuse.FuseOperationListener;
import org.cvmfsstargz.stargz.layer.BackgroundFetch;
import org.cvmfsstargz.stargz.layer.FetchListener;
import org.cvmfsstargz.stargz.layer.StoredTocs;
import org.cvmfsstargz.stargz.layer.TocFetcher;
import org.cvmfsstargz.stargz.layer.TocPrefetcher;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EstargzMountMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void aSourceWithoutLayersShowsNoneMounted() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TocFetcher tocs = new TocFetcher(new TocReader(TocLimits.defaults()));
        try (EstargzLayerSource source = new EstargzLayerSource(new EstargzLayerSource.Settings(
                new RegistryClient(RegistryOptions.defaults()), ChunkCache.none(), tocs, new TocPrefetcher(tocs,
                new TocPrefetcher.Options(1, 0, Duration.ofMinutes(1)), Clock.systemUTC(), TocPrefetcher.Listener.NONE),
                true, 0,
                new BackgroundFetch.Options(false, false, 1 << 20, Duration.ofMillis(200)), Duration.ofSeconds(1),
                new StoredTocs(DiskTocStore.open(tmp.resolve("cache")), tocs)),
                tmp, FetchListener.NONE, FuseOperationListener.NONE)) {
            new EstargzMountMetrics(source).bindTo(registry);
            assertThat(registry.get(EstargzMountMetrics.NAME).gauge().value()).isZero();
            assertThat(registry.scrape()).contains("# TYPE cvmfs_stargz_estargz_mounted_layers gauge",
                    "cvmfs_stargz_estargz_mounted_layers 0.0");
        }
    }
}
