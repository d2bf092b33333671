package org.cvmfsstargz.snapshotter.metrics;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.stats.RepositoryStatistics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last reading of each repository's statistics, kept for a few seconds: two Prometheus
 * servers scraping the node (an HA pair) read each repository once, not twice. A reading that
 * failed is kept as empty for as long, so a failing repository is not asked again at once.
 * Thread-safe; two scrapes that find the same entry stale may both read.
 */
final class RepositoryStatisticsCache {
    private static final Logger LOG = LoggerFactory.getLogger(RepositoryStatisticsCache.class);

    /** Reads one repository's statistics, honouring its own deadline. */
    @FunctionalInterface
    interface Reader {
        RepositoryStatistics read(Repository repository) throws IOException;
    }

    private record Reading(Instant at, Optional<RepositoryStatistics> statistics) {}

    private final Reader reader;
    private final Duration ttl;
    private final InstantSource clock;
    private final Map<Repository, Reading> readings = new ConcurrentHashMap<>();

    RepositoryStatisticsCache(Reader reader, Duration ttl, InstantSource clock) {
        this.reader = reader;
        this.ttl = ttl;
        this.clock = clock;
    }

    /** The statistics of {@code repository}, at most {@code ttl} old; empty when they cannot be read. */
    Optional<RepositoryStatistics> get(Repository repository) {
        Instant now = clock.instant();
        Reading cached = readings.get(repository);
        if (cached != null && now.isBefore(cached.at().plus(ttl))) {
            return cached.statistics();
        }
        Optional<RepositoryStatistics> fresh;
        try {
            fresh = Optional.of(reader.read(repository));
        } catch (IOException e) {
            // The layer source already warns, rate-limited, about a repository that cannot answer.
            LOG.debug("cvmfs statistics unreadable repository={} reason=\"{}\"", repository.name(), e.getMessage());
            fresh = Optional.empty();
        }
        readings.put(repository, new Reading(now, fresh));
        return fresh;
    }
}
