package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.ScanAbortedException;
import org.cvmfsstargz.cvmfs.whiteout.WalkProgress;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;

/**
 * The whiteout plans of layers, found at most once at a time per layer digest and shared by all
 * who need them: a Prepare, and the look-ahead that starts on the layers a Prepare's labels name.
 * A layer's plan is found by one {@link Load} on a platform thread of its own ({@link PlanLoader}:
 * disk, index, walk), which everyone needing it waits for, each with its own limits; the plan is
 * then kept in memory (the last {@value #KEPT_IN_MEMORY} layers).
 *
 * <p>Waiting gives up when the load has made no progress for the stall deadline, or after the
 * waiter's own total limit; the load itself goes on, so a slow walk's plan is kept when it ends
 * (in memory and, through the loader, on disk) and serves the next Prepare. A stalled load stays
 * the layer's one load until it ends: a later Prepare finds it stalled and gives up at once rather
 * than start a second walk of a tree that hangs. A failed load is forgotten; the next need starts
 * a new one.
 *
 * <p>Thread-safe. Nothing to close: a load's thread ends with its walk.
 */
final class LayerPlans {
    static final int KEPT_IN_MEMORY = 512;

    private final PlanLoader loader;
    private final Duration wait;
    private final Duration stall;
    private final ConcurrentMap<LayerDigest, Load> inFlight = new ConcurrentHashMap<>();
    private final Map<LayerDigest, WhiteoutPlan> memory = Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<LayerDigest, WhiteoutPlan> eldest) {
                    return size() > KEPT_IN_MEMORY;
                }
            });

    /**
     * @param wait  how long a Prepare waits for its layer's plan at most
     * @param stall how long a load may make no progress before its waiters give up
     */
    LayerPlans(PlanLoader loader, Duration wait, Duration stall) {
        this.loader = Objects.requireNonNull(loader, "loader");
        this.wait = Objects.requireNonNull(wait, "wait");
        this.stall = Objects.requireNonNull(stall, "stall");
    }

    /**
     * The load of {@code digest}'s plan: the one in flight, a finished one if the plan is known,
     * else a new one, started now.
     */
    Load start(Repository repository, LayerDigest digest, Path layerDir) {
        return start(repository, digest, layerDir, new boolean[1]);
    }

    /** A new load of {@code digest}'s plan, started now; empty if the plan is known or being found. */
    Optional<Load> startUnknown(Repository repository, LayerDigest digest, Path layerDir) {
        boolean[] created = new boolean[1];
        Load load = start(repository, digest, layerDir, created);
        return created[0] ? Optional.of(load) : Optional.empty();
    }

    private Load start(Repository repository, LayerDigest digest, Path layerDir, boolean[] created) {
        WhiteoutPlan known = memory.get(digest);
        if (known != null) {
            return Load.done(this, digest, layerDir, known);
        }
        Load load = inFlight.computeIfAbsent(digest, d -> {
            created[0] = true;
            return new Load(this, repository, d, layerDir);
        });
        if (created[0]) {
            // A load that ended between the look at memory and now left its plan there.
            WhiteoutPlan raced = memory.get(digest);
            if (raced != null) {
                created[0] = false;
                inFlight.remove(digest, load);
                return Load.done(this, digest, layerDir, raced);
            }
            Thread.ofPlatform().daemon().name("whiteout-plan-" + digest.hex().substring(0, 12)).start(load::run);
        }
        return load;
    }

    /** Whether {@code digest}'s plan is known or being found. */
    boolean known(LayerDigest digest) {
        return memory.containsKey(digest) || inFlight.containsKey(digest);
    }

    /**
     * One layer's plan being found. Its result is shared; {@link #await} waits for it.
     * Thread-safe.
     */
    static final class Load {
        private final LayerPlans plans;
        private final Repository repository;
        private final LayerDigest digest;
        private final Path layerDir;
        private final WalkProgress progress = new WalkProgress();
        private final CompletableFuture<WhiteoutPlan> result = new CompletableFuture<>();

        private Load(LayerPlans plans, Repository repository, LayerDigest digest, Path layerDir) {
            this.plans = plans;
            this.repository = repository;
            this.digest = digest;
            this.layerDir = layerDir;
        }

        private static Load done(LayerPlans plans, LayerDigest digest, Path layerDir, WhiteoutPlan plan) {
            Load load = new Load(plans, null, digest, layerDir);
            load.result.complete(plan);
            return load;
        }

        /**
         * Waits for the plan as a Prepare does: at most the Prepare's wait, and less once the load
         * has made no progress for the stall deadline. Giving up leaves the load running.
         *
         * @throws ScanAbortedException gave up waiting
         * @throws IOException the load failed
         */
        WhiteoutPlan await() throws IOException {
            return progress.await(result, plans.stall, plans.wait, layerDir.toString());
        }

        /** Waits as {@link #await} does, but without a total limit: while the load makes progress. */
        WhiteoutPlan awaitWhileProgressing() throws IOException {
            return progress.await(result, plans.stall, WalkProgress.UNLIMITED, layerDir.toString());
        }

        private void run() {
            try {
                WhiteoutPlan plan = plans.loader.load(repository, digest, layerDir, progress);
                plans.memory.put(digest, plan); // before leaving inFlight: a lookup sees one or the other
                result.complete(plan);
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                plans.inFlight.remove(digest, this);
            }
        }
    }
}
