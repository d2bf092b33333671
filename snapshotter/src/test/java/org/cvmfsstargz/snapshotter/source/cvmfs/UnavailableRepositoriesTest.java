package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class UnavailableRepositoriesTest {
    private final Logger logger = (Logger) LoggerFactory.getLogger(UnavailableRepositories.class);
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private Instant now = Instant.parse("2026-11-23T12:00:00Z");

    @BeforeEach
    void capture() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void release() {
        logger.detachAppender(lines);
    }

    @Test
    void eachRepositoryIsLoggedOncePerIntervalAndEveryReportIsCounted() {
        UnavailableRepositories reports = new UnavailableRepositories(Duration.ofMinutes(5), new Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        });
        Repository a = new Repository(Path.of("/cvmfs"), "a.example");
        Repository b = new Repository(Path.of("/cvmfs"), "b.example");

        reports.report(a, "EIO");
        reports.report(a, "EIO");
        reports.report(b, "hung");
        now = now.plusSeconds(299);
        reports.report(a, "EIO");
        assertThat(lines.list).hasSize(2);

        now = now.plusSeconds(1);
        reports.report(a, "still EIO");
        assertThat(lines.list).hasSize(3);
        assertThat(lines.list.getLast().getFormattedMessage()).contains("repository=a.example")
                .contains("reason=\"still EIO\"").contains("unreported_since_last=2");
        assertThat(reports.totals()).isEqualTo(Map.of("a.example", 4L, "b.example", 1L));
    }
}
