package org.cvmfsstargz.snapshotter.source.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;
import org.junit.jupiter.api.Test;

class LayerRestorerTest {
    private static final RemoteSnapshot SNAPSHOT = new RemoteSnapshot("sha256:layer", EstargzLayerSource.NAME, Map.of(),
            Path.of("/snapshots/7"));

    /** A mounted layer of the test: knows whether it was closed. */
    private static final class Layer implements AutoCloseable {
        final AtomicBoolean closed = new AtomicBoolean();

        @Override
        public void close() {
            closed.set(true);
        }
    }

    /** Fails until the registry is "back", counting attempts. */
    private static final class FlakyMounter implements LayerRestorer.Mounter<Layer> {
        final AtomicBoolean registryUp = new AtomicBoolean();
        final AtomicInteger attempts = new AtomicInteger();

        @Override
        public Layer mount(RemoteSnapshot snapshot) throws IOException {
            attempts.incrementAndGet();
            if (!registryUp.get()) {
                throw new IOException("connection refused (test)");
            }
            return new Layer();
        }
    }

    private final Map<Path, CompletableFuture<Layer>> layers = new ConcurrentHashMap<>();
    private final FlakyMounter mounter = new FlakyMounter();

    private static Layer await(CompletableFuture<Layer> layer) throws Exception {
        return layer.get(10, TimeUnit.SECONDS);
    }

    @Test
    void theBackoffDoublesFromItsFirstDelayAndStaysAtItsCap() {
        LayerRestorer.Backoff backoff = new LayerRestorer.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(60));

        assertThat(backoff.after(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.after(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.after(6)).isEqualTo(Duration.ofSeconds(32));
        assertThat(backoff.after(7)).isEqualTo(Duration.ofSeconds(60));
        assertThat(backoff.after(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(60));
        assertThat(LayerRestorer.Backoff.DEFAULT.after(100)).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> new LayerRestorer.Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LayerRestorer.Backoff(Duration.ZERO, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> backoff.after(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Holds the scheduled retries for the test to run, with their delays. */
    private static final class ManualScheduler implements LayerRestorer.Scheduler {
        final BlockingQueue<Duration> delays = new LinkedBlockingQueue<>();
        final BlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();

        @Override
        public void after(Duration delay, Runnable task) {
            delays.add(delay);
            tasks.add(task);
        }

        /** Runs the next retry once it is scheduled, and returns its delay. */
        Duration runNext() throws InterruptedException {
            Runnable task = tasks.poll(10, TimeUnit.SECONDS);
            assertThat(task).as("a retry was scheduled").isNotNull();
            Duration delay = delays.poll();
            task.run();
            return delay;
        }
    }

    private final ManualScheduler scheduler = new ManualScheduler();

    @Test
    void aRestoreThatFailsIsTriedAgainByItselfWithGrowingDelaysUntilTheRegistryIsBack() throws Exception {
        LayerRestorer<Layer> restorer = new LayerRestorer<>(layers, mounter,
                new LayerRestorer.Backoff(Duration.ofSeconds(1), Duration.ofSeconds(4)), scheduler);

        restorer.start(SNAPSHOT);
        List<Duration> delays = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            delays.add(scheduler.runNext());
            assertThatThrownBy(() -> await(layers.get(SNAPSHOT.snapshotDir()))).as("attempt %d", i + 2)
                    .hasRootCauseMessage("connection refused (test)");
        }
        mounter.registryUp.set(true);
        delays.add(scheduler.runNext());

        assertThat(delays).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
                Duration.ofSeconds(4), Duration.ofSeconds(4));
        Layer layer = await(layers.get(SNAPSHOT.snapshotDir()));
        assertThat(layer.closed).isFalse();
        assertThat(mounter.attempts.get()).isEqualTo(6);
        assertThat(scheduler.tasks.poll(100, TimeUnit.MILLISECONDS)).as("no retry after a success").isNull();
    }

    @Test
    void aCallerThatNeedsTheLayerStartsTheNextAttemptAtOnceInsteadOfWaitingForTheBackoff() throws Exception {
        LayerRestorer<Layer> restorer = new LayerRestorer<>(layers, mounter,
                new LayerRestorer.Backoff(Duration.ofMillis(1), Duration.ofHours(1)), scheduler);
        restorer.start(SNAPSHOT);
        assertThatThrownBy(() -> await(layers.get(SNAPSHOT.snapshotDir()))).hasRootCauseMessage(
                "connection refused (test)");
        Thread.sleep(5);
        mounter.registryUp.set(true);

        Layer layer = await(restorer.current(SNAPSHOT).orElseThrow());
        Runnable scheduled = scheduler.tasks.poll(10, TimeUnit.SECONDS);
        scheduled.run(); // the retry scheduled after the first failure: replaced by the caller's attempt already

        assertThat(layer.closed).isFalse();
        assertThat(mounter.attempts.get()).isEqualTo(2);
        assertThat(restorer.current(SNAPSHOT).orElseThrow().join()).isSameAs(layer);
    }

    @Test
    void callersRightAfterAFailureWaitOutTheFirstDelayAndShareOneAttempt() throws Exception {
        Duration first = Duration.ofMillis(300);
        LayerRestorer<Layer> restorer = new LayerRestorer<>(layers, mounter, new LayerRestorer.Backoff(first,
                Duration.ofHours(1)), scheduler);
        restorer.start(SNAPSHOT);
        assertThatThrownBy(() -> await(layers.get(SNAPSHOT.snapshotDir()))).isNotNull();
        long failed = System.nanoTime();
        mounter.registryUp.set(true);

        List<CompletableFuture<Layer>> seen = new ArrayList<>();
        try (var callers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<CompletableFuture<Layer>>> asked = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                asked.add(callers.submit(() -> restorer.current(SNAPSHOT).orElseThrow()));
            }
            for (var answer : asked) {
                seen.add(answer.get());
            }
        }

        assertThat(System.nanoTime() - failed).as("waited out the first delay").isGreaterThanOrEqualTo(
                first.toNanos() - Duration.ofMillis(20).toNanos());
        Layer layer = await(seen.getFirst());
        for (CompletableFuture<Layer> answer : seen) {
            assertThat(await(answer)).isSameAs(layer);
        }
        assertThat(mounter.attempts.get()).as("the failed attempt and one for all callers").isEqualTo(2);
    }

    @Test
    void aReleasedSnapshotIsNotTriedAgain() throws Exception {
        LayerRestorer<Layer> restorer = new LayerRestorer<>(layers, mounter,
                new LayerRestorer.Backoff(Duration.ofMillis(1), Duration.ofMillis(1)), scheduler);
        restorer.start(SNAPSHOT);
        assertThatThrownBy(() -> await(layers.get(SNAPSHOT.snapshotDir()))).isNotNull();

        layers.remove(SNAPSHOT.snapshotDir()); // what the source's release does
        restorer.forget(SNAPSHOT.snapshotDir());
        scheduler.runNext();
        Thread.sleep(50);

        assertThat(mounter.attempts.get()).isEqualTo(1);
        assertThat(layers).isEmpty();
        assertThat(restorer.current(SNAPSHOT)).isEmpty();
    }

    @Test
    void aLayerMountedAfterTheSourceClosedIsClosed() throws Exception {
        CountDownLatch closing = new CountDownLatch(1);
        AtomicReference<Layer> mounted = new AtomicReference<>();
        LayerRestorer<Layer> restorer = new LayerRestorer<>(layers, snapshot -> {
            closing.await();
            Layer layer = new Layer();
            mounted.set(layer);
            return layer;
        }, LayerRestorer.Backoff.DEFAULT, scheduler);
        restorer.start(SNAPSHOT);

        layers.remove(SNAPSHOT.snapshotDir()).cancel(false); // what the source's close does
        closing.countDown();

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((mounted.get() == null || !mounted.get().closed.get()) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(mounted.get().closed).isTrue();
    }
}
