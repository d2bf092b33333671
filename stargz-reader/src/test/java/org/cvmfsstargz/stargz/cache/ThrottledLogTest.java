package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class ThrottledLogTest {
    @Test
    void logsTheFirstWarningAndDropsTheNextWithinTheInterval() {
        ThrottledLog log = new ThrottledLog(LoggerFactory.getLogger(ThrottledLogTest.class), Duration.ofMinutes(1));
        assertThat(log.warn("disk full")).isTrue();
        assertThat(log.warn("disk full")).isFalse();
        assertThat(log.warn("disk full")).isFalse();
    }

    @Test
    void logsAgainOnceTheIntervalHasPassed() throws InterruptedException {
        ThrottledLog log = new ThrottledLog(LoggerFactory.getLogger(ThrottledLogTest.class), Duration.ofMillis(1));
        assertThat(log.warn("disk full")).isTrue();
        Thread.sleep(5);
        assertThat(log.warn("disk full")).isTrue();
    }
}
