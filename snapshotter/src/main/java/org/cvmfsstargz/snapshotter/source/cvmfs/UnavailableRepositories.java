package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts the times each repository could not answer, and logs why at most once per repository
 * and interval: a broken repository on a busy node would otherwise log one line per layer of
 * every pull. The line says how many reports it stands for. Thread-safe.
 */
final class UnavailableRepositories {
    private static final Logger LOG = LoggerFactory.getLogger(UnavailableRepositories.class);

    private static final class Count {
        long total;
        long sinceLogged;
        Instant lastLogged;
    }

    private final Duration interval;
    private final Clock clock;
    private final ConcurrentMap<String, Count> counts = new ConcurrentHashMap<>();

    UnavailableRepositories(Duration interval, Clock clock) {
        this.interval = interval;
        this.clock = clock;
    }

    /** Records that {@code repository} could not answer; logs it unless it was logged within the interval. */
    void report(Repository repository, String reason) {
        Instant now = clock.instant();
        Count count = counts.computeIfAbsent(repository.name(), name -> new Count());
        long suppressed;
        synchronized (count) {
            count.total++;
            count.sinceLogged++;
            if (count.lastLogged != null && now.isBefore(count.lastLogged.plus(interval))) {
                return;
            }
            suppressed = count.sinceLogged - 1;
            count.sinceLogged = 0;
            count.lastLogged = now;
        }
        LOG.warn("cvmfs repository unavailable, layers fall back to pulling repository={} reason=\"{}\""
                + " unreported_since_last={} next_report_after_s={}", repository.name(), reason, suppressed,
                interval.toSeconds());
    }

    /** How often each repository was unavailable since start, by repository name. */
    Map<String, Long> totals() {
        Map<String, Long> totals = new TreeMap<>();
        counts.forEach((name, count) -> {
            synchronized (count) {
                totals.put(name, count.total);
            }
        });
        return totals;
    }
}
