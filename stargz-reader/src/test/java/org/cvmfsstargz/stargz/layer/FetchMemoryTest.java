package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class FetchMemoryTest {
    private static final long MIB = 1 << 20;

    @Test
    void aFetchWaitsUntilOthersGiveBackTheRoomItNeeds() throws Exception {
        FetchMemory memory = new FetchMemory(4 * MIB);
        FetchMemory.Permit first = memory.acquire(3 * MIB);

        CompletableFuture<FetchMemory.Permit> second = CompletableFuture.supplyAsync(() -> {
            try {
                return memory.acquire(2 * MIB);
            } catch (java.io.InterruptedIOException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).isNotDone();

        first.close();
        second.get(10, TimeUnit.SECONDS).close();
        assertThat(memory.availableBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void aFetchLargerThanTheWholeBoundTakesAllOfItAndClosingTwiceGivesItBackOnce() throws Exception {
        FetchMemory memory = new FetchMemory(4 * MIB);
        FetchMemory.Permit large = memory.acquire(100 * MIB);
        assertThat(memory.availableBytes()).isZero();

        large.close();
        large.close();

        assertThat(memory.availableBytes()).isEqualTo(4 * MIB);
    }

    @Test
    void aBoundUnderOneMebibyteIsRefused() {
        assertThatThrownBy(() -> new FetchMemory(1000)).isInstanceOf(IllegalArgumentException.class);
    }
}
