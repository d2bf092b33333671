package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.layer.TocPrefetcher.Outcome;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TocPrefetcher}: a prefetched TOC goes to its layer's take only if its digest is the one
 * expected; one load per layer however many need it; the budget and the expiry bound what is held;
 * a failed prefetch costs nothing but its requests.
 */
class TocPrefetcherTest {
    private static final Duration EXPIRY = Duration.ofMinutes(1);
    private static final TestBlob.Built A = TestLayers.of(30);
    private static final TestBlob.Built B = TestBlob.layer().file("b", "bee\n").build();
    private static final TestBlob.Built C = TestBlob.layer().file("c", "sea\n").build();

    private final TocFetcher fetcher = new TocFetcher(new TocReader(TocLimits.defaults()));
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
    private final InstantSource clock = () -> now.get();
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private TocPrefetcher prefetcher;

    /** Serves one blob, counting its loads; may wait for a gate first, or fail. */
    private final class CountingLoader implements TocPrefetcher.Loader {
        final TestBlob.Built built;
        final AtomicInteger loads = new AtomicInteger();
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch gate;
        final AtomicBoolean interrupted = new AtomicBoolean();
        volatile boolean fail;

        CountingLoader(TestBlob.Built built, boolean gated) {
            this.built = built;
            this.gate = new CountDownLatch(gated ? 1 : 0);
        }

        @Override
        public TocBytes load() throws IOException, CorruptLayerException {
            loads.incrementAndGet();
            started.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw new InterruptedIOException("stopped");
            }
            if (fail) {
                throw new IOException("connection refused (test)");
            }
            byte[] bytes = built.blob();
            MemoryBlob blob = new MemoryBlob(bytes);
            return fetcher.fetchBytes(new OpenedBlob(blob, Arrays.copyOfRange(bytes,
                    Math.max(0, bytes.length - TocFetcher.TAIL_BYTES), bytes.length)), FetchListener.NONE);
        }
    }

    private TocPrefetcher start(int parallelism, long maxBytes) {
        prefetcher = new TocPrefetcher(fetcher, new TocPrefetcher.Options(parallelism, maxBytes, EXPIRY), clock,
                outcomes::add);
        return prefetcher;
    }

    @AfterEach
    void close() {
        if (prefetcher != null) {
            prefetcher.close();
        }
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 10 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void aPrefetchedTocWhoseDigestMatchesIsTakenWithoutLoadingAgain() throws Exception {
        start(4, 64 << 20);
        CountingLoader background = new CountingLoader(A, false);
        CountingLoader foreground = new CountingLoader(A, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", background)));
        await(() -> prefetcher.held() == 1);
        assertThat(prefetcher.heldBytes()).isPositive();

        LayerIndex index = prefetcher.take("a", foreground, Optional.of(A.tocDigest()));

        assertThat(index.prefetched()).isTrue();
        assertThat(index.toc().digest()).isEqualTo(A.tocDigest());
        assertThat(index.blob().size()).isEqualTo(A.blob().length);
        assertThat(background.loads.get() + foreground.loads.get()).isEqualTo(1);
        assertThat(outcomes).containsExactly(Outcome.USED);
        assertThat(prefetcher.held()).isZero();
        assertThat(prefetcher.heldBytes()).isZero();
    }

    @Test
    void aPrefetchedTocWithAnotherDigestIsRefusedAndTheLayerLoadedAndVerifiedAgain() throws Exception {
        start(4, 64 << 20);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", new CountingLoader(B, false))));
        await(() -> prefetcher.held() == 1);
        CountingLoader foreground = new CountingLoader(A, false);

        LayerIndex index = prefetcher.take("a", foreground, Optional.of(A.tocDigest()));

        assertThat(index.prefetched()).isFalse();
        assertThat(index.toc().digest()).isEqualTo(A.tocDigest());
        assertThat(foreground.loads.get()).isEqualTo(1);
        assertThat(outcomes).containsExactly(Outcome.MISMATCHED);
    }

    @Test
    void aMismatchThatTheLayerItselfConfirmsIsDeclinedAsWithoutPrefetching() throws Exception {
        start(4, 64 << 20);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", new CountingLoader(B, false))));
        await(() -> prefetcher.held() == 1);

        assertThatThrownBy(() -> prefetcher.take("a", new CountingLoader(B, false), Optional.of(A.tocDigest())))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(CorruptLayerException.Reason.TOC_DIGEST_MISMATCH));
        assertThat(outcomes).containsExactly(Outcome.MISMATCHED);
    }

    @Test
    void aTakeWaitsForTheFetchInFlightAndTheLayerIsLoadedOnce() throws Exception {
        start(4, 64 << 20);
        CountingLoader background = new CountingLoader(A, true);
        CountingLoader foreground = new CountingLoader(A, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", background)));
        assertThat(background.started.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<LayerIndex> taken = CompletableFuture.supplyAsync(() -> {
            try {
                return prefetcher.take("a", foreground, Optional.of(A.tocDigest()));
            } catch (IOException | CorruptLayerException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(taken).as("the take waits for the fetch in flight").isNotDone();
        background.gate.countDown();

        assertThat(taken.get(10, TimeUnit.SECONDS).prefetched()).isTrue();
        assertThat(background.loads.get()).isEqualTo(1);
        assertThat(foreground.loads.get()).isZero();
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("b", new CountingLoader(B, false))));
        await(() -> prefetcher.held() == 1);
        assertThat(prefetcher.heldBytes()).as("only b is held; a went to its take")
                .isLessThan(taken.get().toc().retainedBytes());
    }

    @Test
    void aLayerStillQueuedIsLoadedByItsTakeAndNotAgainInTheBackground() throws Exception {
        start(1, 64 << 20);
        CountingLoader first = new CountingLoader(A, true);
        CountingLoader queued = new CountingLoader(B, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", first), new TocPrefetcher.Layer("b", queued)));
        assertThat(first.started.await(10, TimeUnit.SECONDS)).isTrue();
        CountingLoader foreground = new CountingLoader(B, false);

        LayerIndex index = prefetcher.take("b", foreground, Optional.of(B.tocDigest()));
        first.gate.countDown();
        await(() -> prefetcher.held() == 1);

        assertThat(index.prefetched()).isFalse();
        assertThat(foreground.loads.get()).isEqualTo(1);
        assertThat(queued.loads.get()).isZero();
    }

    @Test
    void tocsBeyondTheBudgetAreDroppedAndNoneIsStartedWhileItIsFull() throws Exception {
        long oneToc = B.read().retainedBytes() + B.tocSection().length;
        start(1, oneToc);
        CountingLoader b = new CountingLoader(B, false);
        CountingLoader c = new CountingLoader(C, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("b", b), new TocPrefetcher.Layer("c", c)));
        await(() -> outcomes.contains(Outcome.OVER_BUDGET));

        assertThat(prefetcher.held()).isEqualTo(1);
        assertThat(prefetcher.heldBytes()).isEqualTo(oneToc);
        CountingLoader a = new CountingLoader(A, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", a)));
        assertThat(a.loads.get()).as("nothing starts while the budget is full").isZero();
        assertThat(outcomes).containsExactly(Outcome.OVER_BUDGET, Outcome.OVER_BUDGET);
        assertThat(prefetcher.take("c", new CountingLoader(C, false), Optional.of(C.tocDigest())).prefetched())
                .isFalse();
    }

    @Test
    void aTocNotTakenWithinTheExpiryIsDroppedAndItsLayerLoadedWhenItComes() throws Exception {
        start(4, 64 << 20);
        CountingLoader background = new CountingLoader(A, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", background)));
        await(() -> prefetcher.held() == 1);

        now.set(now.get().plus(EXPIRY).minusSeconds(1));
        prefetcher.expire();
        assertThat(prefetcher.held()).isEqualTo(1);
        now.set(now.get().plusSeconds(1));
        prefetcher.expire();

        assertThat(prefetcher.held()).isZero();
        assertThat(prefetcher.heldBytes()).isZero();
        assertThat(outcomes).containsExactly(Outcome.EXPIRED);
        CountingLoader foreground = new CountingLoader(A, false);
        assertThat(prefetcher.take("a", foreground, Optional.of(A.tocDigest())).prefetched()).isFalse();
        assertThat(foreground.loads.get()).isEqualTo(1);
    }

    @Test
    void aFailedPrefetchIsNotTriedAgainBeforeItExpiresAndItsTakeLoadsAsUsual() throws Exception {
        start(4, 64 << 20);
        CountingLoader failing = new CountingLoader(A, false);
        failing.fail = true;
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", failing)));
        await(() -> outcomes.contains(Outcome.FAILED));

        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", failing)));
        assertThat(failing.loads.get()).isEqualTo(1);
        now.set(now.get().plus(EXPIRY));
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", failing)));
        await(() -> failing.loads.get() == 2);
        await(() -> outcomes.size() == 2);

        CountingLoader foreground = new CountingLoader(A, false);
        LayerIndex index = prefetcher.take("a", foreground, Optional.of(A.tocDigest()));
        assertThat(index.prefetched()).isFalse();
        assertThat(index.toc().digest()).isEqualTo(A.tocDigest());
        assertThat(outcomes).containsExactly(Outcome.FAILED, Outcome.FAILED);
        assertThat(prefetcher.heldBytes()).isZero();
    }

    @Test
    void aBudgetOfZeroPrefetchesNothing() throws Exception {
        start(4, 0);
        CountingLoader background = new CountingLoader(A, false);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", background)));

        LayerIndex index = prefetcher.take("a", new CountingLoader(A, false), Optional.of(A.tocDigest()));

        assertThat(index.prefetched()).isFalse();
        assertThat(background.loads.get()).isZero();
        assertThat(outcomes).isEmpty();
    }

    @Test
    void closingStopsTheFetchesInFlightAndDropsWhatIsHeld() throws Exception {
        start(4, 64 << 20);
        CountingLoader held = new CountingLoader(B, false);
        CountingLoader inFlight = new CountingLoader(A, true);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("b", held)));
        await(() -> prefetcher.held() == 1);
        prefetcher.prefetch(List.of(new TocPrefetcher.Layer("a", inFlight)));
        assertThat(inFlight.started.await(10, TimeUnit.SECONDS)).isTrue();

        prefetcher.close();

        await(inFlight.interrupted::get);
        assertThat(prefetcher.held()).isZero();
        assertThat(prefetcher.heldBytes()).isZero();
    }
}
