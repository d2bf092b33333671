package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LinkPacerTest {
    private static final long MBIT_100 = 100_000_000L;

    @Test
    void aBatchTakesItsSizeInBitsOverTheBandwidth() {
        assertThat(new LinkPacer(MBIT_100).transferTime(12_500_000)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void anIdleLinkSendsABatchFromNow() {
        LinkPacer pacer = new LinkPacer(MBIT_100);
        assertThat(pacer.book(1_000, 125)).isEqualTo(1_000 + 10_000);
    }

    @Test
    void batchesBookedTogetherQueueBehindEachOtherWhateverTheirConnection() {
        LinkPacer pacer = new LinkPacer(MBIT_100);
        long first = pacer.book(0, 12_500);
        long second = pacer.book(0, 12_500);
        assertThat(first).isEqualTo(1_000_000);
        assertThat(second).isEqualTo(2_000_000);
    }

    @Test
    void aLinkIdleSinceTheLastBatchStartsAgainFromNow() {
        LinkPacer pacer = new LinkPacer(MBIT_100);
        pacer.book(0, 12_500);
        assertThat(pacer.book(5_000_000, 12_500)).isEqualTo(6_000_000);
    }

    @Test
    void aBandwidthMustBePositive() {
        assertThatThrownBy(() -> new LinkPacer(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
