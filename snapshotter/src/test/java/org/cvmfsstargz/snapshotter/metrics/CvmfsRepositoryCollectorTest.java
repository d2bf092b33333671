package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.stats.RepositoryStatistics;
import org.junit.jupiter.api.Test;

class CvmfsRepositoryCollectorTest {
    private static final Repository FULL = Repository.underCvmfs("full.example");
    private static final Repository SPARSE = Repository.underCvmfs("sparse.example");
    private static final Repository DOWN = Repository.underCvmfs("down.example");

    private static final RepositoryStatistics ALL = new RepositoryStatistics(OptionalLong.of(1234),
            OptionalLong.of(7), OptionalLong.of(2), OptionalLong.of(100), Optional.of("12.5"),
            Optional.of("http://squid.example:3128"), Optional.of("http://s1.example/cvmfs/full.example"),
            Optional.of("2.13.2.0"), OptionalLong.of(3));
    /** What a client that hides its magic attributes, or a plain directory, gives. */
    private static final RepositoryStatistics NONE = new RepositoryStatistics(OptionalLong.empty(),
            OptionalLong.empty(), OptionalLong.empty(), OptionalLong.empty(), Optional.of("n/a"),
            Optional.empty(), Optional.empty(), Optional.empty(), OptionalLong.empty());

    private final List<String> reads = new ArrayList<>();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private final InstantSource clock = () -> now;

    private RepositoryStatistics read(Repository repository) throws IOException {
        reads.add(repository.name());
        return switch (repository.name()) {
            case "full.example" -> ALL;
            case "sparse.example" -> NONE;
            default -> throw new IOException("Transport endpoint is not connected");
        };
    }

    private String scrape(List<Repository> repositories) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.getPrometheusRegistry().register(new CvmfsRepositoryCollector(repositories,
                new RepositoryStatisticsCache(this::read, Duration.ofSeconds(5), clock)));
        return registry.scrape();
    }

    @Test
    void eachStatisticIsExposedWithTheRepositoryLabelInBaseUnits() {
        assertThat(scrape(List.of(FULL))).contains(
                "cvmfs_stargz_cvmfs_repository_up{repository=\"full.example\"} 1.0",
                "cvmfs_stargz_cvmfs_revision{repository=\"full.example\"} 1234.0",
                "cvmfs_stargz_cvmfs_loaded_catalogs{repository=\"full.example\"} 7.0",
                "cvmfs_stargz_cvmfs_used_file_descriptors{repository=\"full.example\"} 3.0",
                "cvmfs_stargz_cvmfs_download_speed_bytes_per_second{repository=\"full.example\"} 12800.0",
                "# TYPE cvmfs_stargz_cvmfs_io_errors_total counter",
                "cvmfs_stargz_cvmfs_io_errors_total{repository=\"full.example\"} 2.0",
                "cvmfs_stargz_cvmfs_received_bytes_total{repository=\"full.example\"} 102400.0",
                "cvmfs_stargz_cvmfs_proxy_info{proxy=\"http://squid.example:3128\",repository=\"full.example\"} 1",
                "cvmfs_stargz_cvmfs_host_info{host=\"http://s1.example/cvmfs/full.example\","
                        + "repository=\"full.example\"} 1",
                "cvmfs_stargz_cvmfs_client_version_info{repository=\"full.example\",version=\"2.13.2.0\"} 1");
    }

    @Test
    void aRepositoryThatCannotBeReadIsDownWithEveryStatisticAbsentNotZero() {
        String scrape = scrape(List.of(FULL, SPARSE, DOWN));

        assertThat(scrape).contains("cvmfs_stargz_cvmfs_repository_up{repository=\"down.example\"} 0.0")
                .contains("cvmfs_stargz_cvmfs_repository_up{repository=\"sparse.example\"} 1.0");
        assertThat(scrape.lines().filter(l -> !l.startsWith("cvmfs_stargz_cvmfs_repository_up")))
                .noneMatch(l -> l.contains("down.example"))
                .noneMatch(l -> l.contains("sparse.example"));
    }

    @Test
    void withNoStatisticAnywhereOnlyTheUpGaugeIsExposed() {
        assertThat(scrape(List.of(DOWN)).lines().filter(l -> l.startsWith("cvmfs_stargz_")))
                .containsExactly("cvmfs_stargz_cvmfs_repository_up{repository=\"down.example\"} 0.0");
    }

    @Test
    void aReadingIsReusedForAFewSecondsAndAFailedOneToo() {
        RepositoryStatisticsCache cache = new RepositoryStatisticsCache(this::read, Duration.ofSeconds(5), clock);

        assertThat(cache.get(FULL)).hasValue(ALL);
        assertThat(cache.get(DOWN)).isEmpty();
        now = now.plusSeconds(4);
        assertThat(cache.get(FULL)).hasValue(ALL);
        assertThat(cache.get(DOWN)).isEmpty();
        assertThat(reads).containsExactly("full.example", "down.example");

        now = now.plusSeconds(1);
        cache.get(FULL);
        cache.get(DOWN);
        assertThat(reads).containsExactly("full.example", "down.example", "full.example", "down.example");
    }

    @Test
    void aSpeedThatIsNotANumberIsAbsent() {
        assertThat(CvmfsRepositoryCollector.speed(Optional.of("n/a"))).isEmpty();
        assertThat(CvmfsRepositoryCollector.speed(Optional.of("NaN"))).isEmpty();
        assertThat(CvmfsRepositoryCollector.speed(Optional.empty())).isEmpty();
        assertThat(CvmfsRepositoryCollector.speed(Optional.of("2"))).hasValue(2048.0);
    }
}
