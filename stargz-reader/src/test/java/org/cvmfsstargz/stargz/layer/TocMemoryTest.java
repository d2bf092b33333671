package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TocMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void aSecondTocLargerThanWhatIsLeftWaitsUntilTheFirstIsReleased() throws Exception {
        TocMemory memory = new TocMemory(4 * MIB, Duration.ofMinutes(1));
        TocMemory.Permit first = memory.acquire(3 * MIB, "layer a");

        CompletableFuture<TocMemory.Permit> second = CompletableFuture.supplyAsync(() -> acquire(memory, 3 * MIB));
        Thread.sleep(100);
        assertThat(second).as("waits, rather than fails, while the first holds the room").isNotDone();

        first.close();
        second.get(10, TimeUnit.SECONDS).close();
        assertThat(memory.availableBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void aWaitPastItsDeadlineFailsNamingTheLayerAndWhatTheOthersHold() throws Exception {
        TocMemory memory = new TocMemory(4 * MIB, Duration.ofMillis(50));
        try (TocMemory.Permit held = memory.acquire(4 * MIB, "layer a")) {
            assertThatThrownBy(() -> memory.acquire(MIB, "layer b")).isInstanceOf(IOException.class)
                    .hasMessageContaining("layer b").hasMessageContaining("4096 KiB of the 4096 KiB");
        }
        assertThat(memory.availableBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void aTocLargerThanTheWholeBoundTakesAllOfItAndClosingTwiceGivesItBackOnce() throws Exception {
        TocMemory memory = new TocMemory(4 * MIB, Duration.ofMinutes(1));
        TocMemory.Permit large = memory.acquire(100 * MIB, "layer a");
        assertThat(memory.availableBytes()).isZero();

        large.close();
        large.close();
        TocMemory.Permit.NONE.close();

        assertThat(memory.availableBytes()).isEqualTo(4 * MIB);
    }

    private static TocMemory.Permit acquire(TocMemory memory, long bytes) {
        try {
            return memory.acquire(bytes, "layer b");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
