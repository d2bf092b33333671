package org.cvmfsstargz.snapshotter.source.estargz;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StaleMountsTest {
    @Test
    void aCommandThatHangsIsKilledAtItsTimeoutInsteadOfHangingTheStart() {
        long start = System.nanoTime();
        var failure = StaleMounts.failure(List.of("sleep", "120"), Duration.ofMillis(200));
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(failure).hasValueSatisfying(reason -> assertThat(reason).contains("did not finish within 200 ms"));
        assertThat(took).isLessThan(Duration.ofSeconds(30)); // the command alone runs for 120 s
    }

    @Test
    void aCommandThatHangsWhileHoldingItsOutputOpenIsKilledToo() {
        var failure = StaleMounts.failure(List.of("sh", "-c", "echo starting; exec sleep 120"), Duration.ofMillis(200));

        assertThat(failure).hasValueSatisfying(reason -> assertThat(reason).contains("killed"));
    }

    @Test
    void aFailingCommandReportsItsStatusAndOutput() {
        assertThat(StaleMounts.failure(List.of("sh", "-c", "echo not mounted; exit 32"), Duration.ofSeconds(10)))
                .hasValueSatisfying(reason -> assertThat(reason).contains("exited with 32").contains("not mounted"));
        assertThat(StaleMounts.failure(List.of("true"), Duration.ofSeconds(10))).isEmpty();
    }
}
