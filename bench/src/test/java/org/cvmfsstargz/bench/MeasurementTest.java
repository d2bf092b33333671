package org.cvmfsstargz.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.Optional;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class MeasurementTest {
    private static final CpuClock.Reading NO_CPU = new CpuClock.Reading(Optional.empty(), Optional.empty(),
            Optional.empty());

    @Test
    void percentilesAreNearestRank() {
        long[] oneToHundred = LongStream.rangeClosed(1, 100).toArray();

        assertThat(Measurement.percentile(oneToHundred, 0.50)).isEqualTo(50);
        assertThat(Measurement.percentile(oneToHundred, 0.99)).isEqualTo(99);
        assertThat(Measurement.percentile(new long[] {7}, 0.99)).isEqualTo(7);
        assertThat(Measurement.percentile(new long[] {1, 2, 3}, 0.50)).isEqualTo(2);
        assertThat(Measurement.percentile(new long[0], 0.50)).isZero();
    }

    @Test
    void latenciesInAnyOrderAreSummarised() {
        Measurement m = Measurement.of("cycle", 2, new long[] {300, 100, 200, 400}, 1, Optional.of("boom"),
                Duration.ofSeconds(2), NO_CPU);

        assertThat(m.operations()).isEqualTo(4);
        assertThat(m.errors()).isEqualTo(1);
        assertThat(m.p50Nanos()).isEqualTo(200);
        assertThat(m.p99Nanos()).isEqualTo(400);
        assertThat(m.maxNanos()).isEqualTo(400);
        assertThat(m.operationsPerSecond()).isEqualTo(2.0);
        assertThat(m.daemonCpuMicrosPerOperation()).isEmpty();
    }

    @Test
    void cpuIsSharedOutPerCallAndOthersAreWhatIsLeft() {
        CpuClock.Reading cpu = new CpuClock.Reading(Optional.of(Duration.ofMillis(400)),
                Optional.of(Duration.ofMillis(200)), Optional.of(Duration.ofMillis(1000)));
        Measurement m = Measurement.of("stat-miss", 1, new long[] {1, 2, 3, 4}, 0, Optional.empty(),
                Duration.ofSeconds(1), cpu);

        assertThat(m.daemonCpuMicrosPerOperation()).hasValue(100_000.0);
        assertThat(m.clientCpuMicrosPerOperation()).hasValue(50_000.0);
        assertThat(m.othersShare(2).orElseThrow()).isCloseTo(0.2, within(1e-9));
    }

    @Test
    void othersNeverGoBelowZero() {
        // /proc/stat counts in 10 ms ticks, process times more finely: a quiet run can come out negative.
        CpuClock.Reading cpu = new CpuClock.Reading(Optional.of(Duration.ofMillis(505)),
                Optional.of(Duration.ofMillis(500)), Optional.of(Duration.ofMillis(1000)));
        Measurement m = Measurement.of("stat-miss", 1, new long[] {1}, 0, Optional.empty(), Duration.ofSeconds(1), cpu);

        assertThat(m.othersShare(2)).hasValue(0.0);
    }
}
