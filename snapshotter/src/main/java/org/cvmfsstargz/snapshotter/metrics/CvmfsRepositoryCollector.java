package org.cvmfsstargz.snapshotter.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.Function;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.stats.RepositoryStatistics;
import org.cvmfsstargz.cvmfs.stats.RepositoryStats;

/**
 * The CVMFS client's own statistics of each configured repository (its {@code user.*} extended
 * attributes: revision, loaded catalogs, I/O errors, bytes received, speed, proxy, ...), read when
 * Prometheus scrapes, under the repositories' deadline, through a {@link RepositoryStatisticsCache}.
 *
 * <p>A value the client does not offer, or any value of a repository that cannot be read, is
 * absent from the scrape rather than zero, so that a graph shows a gap, not a fall; {@code
 * cvmfs_stargz_cvmfs_repository_up} says which repositories could be read. This is a Prometheus
 * collector rather than Micrometer gauges because Micrometer cannot make a series absent.
 *
 * <p>Thread-safe; registered with the registry's Prometheus side by the composition root.
 */
public final class CvmfsRepositoryCollector implements MultiCollector {
    /** Long enough to serve an HA pair of Prometheus servers from one reading, short beside a scrape interval. */
    static final Duration CACHE_TTL = Duration.ofSeconds(5);
    private static final double KIB = 1024;

    private final List<Repository> repositories;
    private final RepositoryStatisticsCache cache;

    CvmfsRepositoryCollector(List<Repository> repositories, RepositoryStatisticsCache cache) {
        this.repositories = List.copyOf(repositories);
        this.cache = cache;
    }

    /** Reads {@code repositories} with {@code stats}, which should share the CVMFS source's deadline calls. */
    public static CvmfsRepositoryCollector of(List<Repository> repositories, RepositoryStats stats) {
        return new CvmfsRepositoryCollector(repositories,
                new RepositoryStatisticsCache(stats::read, CACHE_TTL, InstantSource.system()));
    }

    @Override
    public MetricSnapshots collect() {
        Map<String, Optional<RepositoryStatistics>> readings = new LinkedHashMap<>();
        repositories.forEach(r -> readings.put(r.name(), cache.get(r)));
        Map<String, RepositoryStatistics> read = new LinkedHashMap<>();
        readings.forEach((name, s) -> s.ifPresent(statistics -> read.put(name, statistics)));

        List<MetricSnapshot> snapshots = new ArrayList<>();
        GaugeSnapshot.Builder up = GaugeSnapshot.builder().name("cvmfs_stargz_cvmfs_repository_up")
                .help("1 if the CVMFS client's statistics of the repository could be read at this scrape, else 0");
        readings.forEach((name, s) -> up.dataPoint(GaugeDataPointSnapshot.builder().labels(repository(name))
                .value(s.isPresent() ? 1 : 0).build()));
        snapshots.add(up.build());
        gauge(snapshots, read, "cvmfs_stargz_cvmfs_revision",
                "Catalog revision the client has mounted (user.revision); grows with every publish",
                s -> asDouble(s.revision(), 1));
        gauge(snapshots, read, "cvmfs_stargz_cvmfs_loaded_catalogs",
                "Nested catalogs the client has loaded (user.nclg)", s -> asDouble(s.loadedCatalogs(), 1));
        gauge(snapshots, read, "cvmfs_stargz_cvmfs_used_file_descriptors",
                "File descriptors the client has handed out (user.usedfd)",
                s -> asDouble(s.usedFileDescriptors(), 1));
        gauge(snapshots, read, "cvmfs_stargz_cvmfs_download_speed_bytes_per_second",
                "Average download speed since mount (user.speed, KiB/s, times 1024)", s -> speed(s.speed()));
        counter(snapshots, read, "cvmfs_stargz_cvmfs_io_errors",
                "I/O errors since the client mounted the repository (user.nioerr)", s -> asDouble(s.ioErrors(), 1));
        counter(snapshots, read, "cvmfs_stargz_cvmfs_received_bytes",
                "Bytes downloaded since the client mounted the repository (user.rx, KiB, times 1024)",
                s -> asDouble(s.downloadedKiB(), KIB));
        info(snapshots, read, "cvmfs_stargz_cvmfs_proxy", "proxy",
                "The HTTP proxy the client uses (user.proxy)", RepositoryStatistics::proxy);
        info(snapshots, read, "cvmfs_stargz_cvmfs_host", "host",
                "The Stratum 1 server the client uses (user.host)", RepositoryStatistics::host);
        info(snapshots, read, "cvmfs_stargz_cvmfs_client_version", "version",
                "The CVMFS client's version (user.version)", RepositoryStatistics::version);
        return new MetricSnapshots(snapshots);
    }

    private static void gauge(List<MetricSnapshot> out, Map<String, RepositoryStatistics> read, String name,
            String help, Function<RepositoryStatistics, OptionalDouble> field) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
        int points = 0;
        for (Map.Entry<String, RepositoryStatistics> e : read.entrySet()) {
            OptionalDouble value = field.apply(e.getValue());
            if (value.isPresent()) {
                gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(repository(e.getKey()))
                        .value(value.getAsDouble()).build());
                points++;
            }
        }
        if (points > 0) {
            out.add(gauge.build());
        }
    }

    private static void counter(List<MetricSnapshot> out, Map<String, RepositoryStatistics> read, String name,
            String help, Function<RepositoryStatistics, OptionalDouble> field) {
        CounterSnapshot.Builder counter = CounterSnapshot.builder().name(name).help(help);
        int points = 0;
        for (Map.Entry<String, RepositoryStatistics> e : read.entrySet()) {
            OptionalDouble value = field.apply(e.getValue());
            if (value.isPresent()) {
                counter.dataPoint(CounterDataPointSnapshot.builder().labels(repository(e.getKey()))
                        .value(value.getAsDouble()).build());
                points++;
            }
        }
        if (points > 0) {
            out.add(counter.build());
        }
    }

    private static void info(List<MetricSnapshot> out, Map<String, RepositoryStatistics> read, String name,
            String label, String help, Function<RepositoryStatistics, Optional<String>> field) {
        InfoSnapshot.Builder info = InfoSnapshot.builder().name(name).help(help);
        int points = 0;
        for (Map.Entry<String, RepositoryStatistics> e : read.entrySet()) {
            Optional<String> value = field.apply(e.getValue());
            if (value.isPresent()) {
                info.dataPoint(InfoDataPointSnapshot.builder()
                        .labels(Labels.of("repository", e.getKey(), label, value.get())).build());
                points++;
            }
        }
        if (points > 0) {
            out.add(info.build());
        }
    }

    private static Labels repository(String name) {
        return Labels.of("repository", name);
    }

    private static OptionalDouble asDouble(OptionalLong value, double factor) {
        return value.isPresent() ? OptionalDouble.of(value.getAsLong() * factor) : OptionalDouble.empty();
    }

    /** The client prints the speed as a number of KiB/s; anything else is absent. */
    static OptionalDouble speed(Optional<String> speed) {
        try {
            double kib = Double.parseDouble(speed.orElse("-"));
            return Double.isFinite(kib) ? OptionalDouble.of(kib * KIB) : OptionalDouble.empty();
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }
}
