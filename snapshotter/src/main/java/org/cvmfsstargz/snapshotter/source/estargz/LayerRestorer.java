package org.cvmfsstargz.snapshotter.source.estargz;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mounts the layers of an earlier run's snapshots again, in the background, and keeps trying each
 * one that fails until it works or the snapshot is released: a node often boots before its
 * network is up, and a registry may be away for a while. Attempts follow a {@link Backoff}; a
 * caller that needs the layer now ({@link #current}, a Mounts) starts the next attempt itself,
 * once the backoff's first delay has passed since the last one failed (waiting out the rest of
 * that delay), so a container starts as soon as the registry is back, without waiting for the
 * next scheduled attempt, and however many callers ask, a layer is tried at most once per first
 * delay by them.
 *
 * <p>The layers are in a map it shares with its source, by snapshot directory: a restore puts a
 * future there and completes it; the source removes the future when it releases the snapshot or
 * closes, and an attempt or retry that finds its future gone (or cancelled) closes what it mounted
 * and stops. Thread-safe.
 *
 * @param <L> a mounted layer, closed when nobody takes it
 */
final class LayerRestorer<L extends AutoCloseable> {
    private static final Logger LOG = LoggerFactory.getLogger(LayerRestorer.class);

    /** Mounts one snapshot's layer; called on a virtual thread of its own. */
    @FunctionalInterface
    interface Mounter<L> {
        L mount(RemoteSnapshot snapshot) throws Exception;
    }

    /** Runs a task after a delay: the next attempt. */
    @FunctionalInterface
    interface Scheduler {
        /** Timers of the common pool: the attempt itself runs on a virtual thread of its own. */
        Scheduler DELAYED = (delay, task) ->
                CompletableFuture.delayedExecutor(delay.toMillis(), TimeUnit.MILLISECONDS).execute(task);

        void after(Duration delay, Runnable task);
    }

    /**
     * How long to wait before the next attempt after {@code n} failures in a row: {@code first},
     * doubled after each failure, never more than {@code cap}.
     */
    record Backoff(Duration first, Duration cap) {
        /** One second, doubling to a minute: a network up within a minute of boot is caught within twice its delay. */
        static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(1));

        Backoff {
            Objects.requireNonNull(first, "first");
            Objects.requireNonNull(cap, "cap");
            if (!first.isPositive() || cap.compareTo(first) < 0) {
                throw new IllegalArgumentException("backoff first=" + first + " cap=" + cap);
            }
        }

        /** The wait after {@code failures} (at least 1) failures in a row. */
        Duration after(int failures) {
            if (failures < 1) {
                throw new IllegalArgumentException("failures " + failures);
            }
            Duration delay = first;
            for (int i = 1; i < failures && delay.compareTo(cap) < 0; i++) {
                delay = delay.multipliedBy(2);
            }
            return delay.compareTo(cap) < 0 ? delay : cap;
        }
    }

    /** The failures in a row of one snapshot's restore, and when the last one ended ({@link System#nanoTime()}). */
    private record Failures(int count, long lastNanos) {}

    private final Map<Path, CompletableFuture<L>> layers;
    private final Mounter<L> mounter;
    private final Backoff backoff;
    private final Scheduler scheduler;
    private final Map<Path, Failures> failures = new ConcurrentHashMap<>();

    LayerRestorer(Map<Path, CompletableFuture<L>> layers, Mounter<L> mounter, Backoff backoff, Scheduler scheduler) {
        this.layers = Objects.requireNonNull(layers, "layers");
        this.mounter = Objects.requireNonNull(mounter, "mounter");
        this.backoff = Objects.requireNonNull(backoff, "backoff");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /** Starts restoring {@code snapshot}'s layer; returns at once. */
    void start(RemoteSnapshot snapshot) {
        CompletableFuture<L> restoring = new CompletableFuture<>();
        layers.put(snapshot.snapshotDir(), restoring);
        attempt(snapshot, restoring);
    }

    /**
     * The snapshot's layer, mounted or being restored; empty if the source does not have it. If
     * its last restore failed, a new attempt is started first, and returned: once the backoff's
     * first delay has passed since that failure (this waits for the rest of it), unless another
     * attempt was started meanwhile.
     *
     * @throws InterruptedException if interrupted while waiting out the first delay
     */
    Optional<CompletableFuture<L>> current(RemoteSnapshot snapshot) throws InterruptedException {
        CompletableFuture<L> layer = layers.get(snapshot.snapshotDir());
        if (layer != null && layer.isCompletedExceptionally() && !layer.isCancelled()) {
            Failures failed = failures.get(snapshot.snapshotDir());
            long wait = failed == null ? 0 : backoff.first().toNanos() - (System.nanoTime() - failed.lastNanos());
            if (wait > 0) {
                TimeUnit.NANOSECONDS.sleep(wait);
            }
            retry(snapshot, layer); // a no-op if a scheduled retry or another caller replaced it meanwhile
        }
        return Optional.ofNullable(layers.get(snapshot.snapshotDir()));
    }

    /** Forgets the failures of a released snapshot; a scheduled retry then finds its future gone. */
    void forget(Path snapshotDir) {
        failures.remove(snapshotDir);
    }

    private void attempt(RemoteSnapshot snapshot, CompletableFuture<L> restoring) {
        Path dir = snapshot.snapshotDir();
        Thread.ofVirtual().name("restore-" + dir.getFileName()).start(() -> {
            long started = System.nanoTime();
            try {
                L layer = mounter.mount(snapshot);
                if (!restoring.complete(layer)) { // the source closed meanwhile (a release waits for the attempt)
                    layer.close();
                    return;
                }
                Failures failed = failures.remove(dir);
                LOG.info("restored eStargz layer name={} attempt={} ms={}", snapshot.name(),
                        failed == null ? 1 : failed.count() + 1, (System.nanoTime() - started) / 1_000_000);
            } catch (Exception e) {
                Failures failed = failures.merge(dir, new Failures(1, System.nanoTime()),
                        (old, now) -> new Failures(old.count() + 1, now.lastNanos()));
                Duration delay = backoff.after(failed.count());
                LOG.warn("cannot restore eStargz layer name={} attempt={} error=\"{}\"; trying again in {} ms, or sooner"
                        + " when a container needs it", snapshot.name(), failed.count(), e.getMessage(),
                        delay.toMillis());
                restoring.completeExceptionally(e);
                scheduler.after(delay, () -> retry(snapshot, restoring));
            }
        });
    }

    /** Starts the next attempt, unless the failed one was replaced meanwhile (retried already, released, closed). */
    private void retry(RemoteSnapshot snapshot, CompletableFuture<L> failed) {
        CompletableFuture<L> next = new CompletableFuture<>();
        if (layers.replace(snapshot.snapshotDir(), failed, next)) {
            attempt(snapshot, next);
        } else if (!layers.containsKey(snapshot.snapshotDir())) {
            failures.remove(snapshot.snapshotDir()); // released while its last attempt ran, which counted a failure
        }
    }
}
