package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.ProbeResult;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutDirs;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.config.CvmfsConfig;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;

/**
 * Provides a layer that DUCC (or {@code ingest}) published unpacked on a CVMFS repository: the
 * snapshot's {@code fs} becomes a symbolic link to {@code <repo>/.layers/<xx>/<hex>/layerfs},
 * which overlayfs then reads as a lower directory. Nothing is copied or downloaded.
 *
 * <p>Repositories are asked in the configured order. Every call that touches a repository runs
 * with a deadline through one {@link DeadlineCalls}: a layer whose repository answers ENOENT, EIO
 * or nothing in time is left to the next source or the normal pull, and a repository whose call
 * passed its deadline is skipped until that call returns, so a hung repository delays one Prepare
 * by at most the deadline and later ones not at all.
 *
 * <p>DUCC keeps whiteouts as plain {@code .wh.*} files, which kernel overlayfs would show. The
 * layer's markers (its {@link WhiteoutPlan}) are read once per node: from the daemon's copy on
 * disk, else from the index the repository publishes beside the layer, else by a walk of its tree
 * ({@link PlanLoader}); one read per layer at a time, shared by every Prepare that needs it and by
 * the look-ahead that starts on the layers a Prepare's labels name ({@link LayerPlans},
 * {@link ScanAhead}). The plan is translated by {@link WhiteoutDirs} into the snapshot's own
 * {@code up} and {@code dn} directories, so deletions and opaque directories behave as after a
 * normal pull and the marker files, {@code .cvmfscatalog} included, are hidden. Everything this
 * source writes lies in the snapshot's directory; nothing is ever written, deleted or unmounted
 * under a repository.
 *
 * <p>A repository is unavailable for a layer when its probe fails or passes the deadline; a slow
 * or stalled read of one layer's markers leaves that layer to the pull
 * ({@link DeclineReason#SCAN_INCOMPLETE}) but never counts against its repository.
 *
 * <p>Thread-safe. {@link #close} stops the look-ahead.
 */
public final class CvmfsLayerSource implements LayerSource {
    public static final String NAME = "cvmfs";
    /** On a snapshot this source provides: the repository that publishes the layer. */
    public static final String REPOSITORY_LABEL = "containerd.io/snapshot/cvmfs-stargz.cvmfs-repository";
    /** On a snapshot this source provides: the layer's directory in the repository. */
    public static final String LAYER_DIR_LABEL = "containerd.io/snapshot/cvmfs-stargz.cvmfs-layer";

    private final List<Repository> repositories;
    private final RepositoryProbe probe;
    private final LayerPlans plans;
    private final ScanAhead ahead;
    private final UnavailableRepositories unavailable;

    /**
     * @param calls  the deadline and hang bookkeeping shared with other readers of the repositories
     *               (statistics), so that a repository hung for one is skipped by all
     * @param reader reads a path's attributes for the probes
     * @param plans  finds layers' whiteout plans
     */
    CvmfsLayerSource(List<Repository> repositories, DeadlineCalls calls, RepositoryProbe.AttributeReader reader,
            LayerPlans plans, Duration unavailableLogInterval) {
        this.repositories = List.copyOf(repositories);
        this.probe = new RepositoryProbe(calls, reader);
        this.plans = plans;
        this.ahead = new ScanAhead(repositories, new RepositoryProbe(calls.quiet(), reader), plans);
        this.unavailable = new UnavailableRepositories(unavailableLogInterval, Clock.systemUTC());
    }

    /** A source without plans on disk, with its own hang state: for {@code inspect}, which only locates layers. */
    public static CvmfsLayerSource of(CvmfsConfig config) {
        return of(config, new DeadlineCalls(Duration.ofMillis(config.probeTimeoutMs())), DiskPlanCache.none());
    }

    /**
     * The daemon's source: sharing {@code calls}, and so the repositories' hang state, with other
     * readers of them; keeping layers' whiteout plans in {@code cache}.
     */
    public static CvmfsLayerSource of(CvmfsConfig config, DeadlineCalls calls, DiskPlanCache cache) {
        Duration stall = Duration.ofMillis(config.scanStallTimeoutMs());
        WhiteoutScan scan = new WhiteoutScan(stall, config.scanMaxEntries());
        LayerPlans plans = new LayerPlans(new PlanLoader(cache, calls.quiet(), scan::walk),
                Duration.ofMillis(config.scanTimeoutMs()), stall);
        return new CvmfsLayerSource(config.repositoryList(), calls,
                path -> Files.readAttributes(path, BasicFileAttributes.class), plans,
                Duration.ofSeconds(config.unavailableLogIntervalSeconds()));
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LayerClaim claim(LayerRequest request) throws IOException {
        Optional<String> label = RemoteLabels.layerDigest(request.labels());
        if (label.isEmpty()) {
            return notMine(DeclineReason.NO_DIGEST, "no layer digest label (" + RemoteLabels.CRI_LAYER_DIGEST + " or "
                    + RemoteLabels.STARGZ_DIGEST + ")");
        }
        LayerDigest digest;
        try {
            digest = LayerDigest.parse(label.get());
        } catch (IllegalArgumentException e) {
            return notMine(DeclineReason.INVALID_DIGEST, e.getMessage());
        }
        Lookup lookup = locate(digest);
        lookup.unavailable().forEach(unavailable::report);
        return switch (lookup) {
            case Lookup.Published published -> provide(request, digest, published.repository(), published.layerDir());
            case Lookup.Absent absent -> {
                ahead.schedule(request.labels(), digest);
                yield absent.notMine();
            }
        };
    }

    /** Where the configured repositories publish a layer, or why none does. */
    public sealed interface Lookup {
        /** The repositories asked before the answer that could not answer, with why. */
        Map<Repository, String> unavailable();

        /** The first repository, in the configured order, that publishes the layer. */
        record Published(Repository repository, Path layerDir, Map<Repository, String> unavailable)
                implements Lookup {
            public Published {
                unavailable = Map.copyOf(unavailable);
            }
        }

        /**
         * No repository publishes it.
         *
         * @param notMine the claim's refusal: every repository's answer, {@code UNAVAILABLE} if
         *                any could not answer, else {@code NOT_PUBLISHED}
         * @param unavailable the repositories that could not answer, with why
         */
        record Absent(LayerClaim.NotMine notMine, Map<Repository, String> unavailable) implements Lookup {
            public Absent {
                unavailable = Map.copyOf(unavailable);
            }
        }
    }

    /**
     * Asks the repositories in order whether they publish {@code digest}, each call under the
     * deadline; changes nothing and logs nothing. {@link #claim} decides with it, and
     * {@code inspect} tells with it what a claim would decide.
     */
    public Lookup locate(LayerDigest digest) {
        List<String> reasons = new ArrayList<>();
        Map<Repository, String> down = new LinkedHashMap<>();
        for (Repository repository : repositories) {
            switch (probe.probe(repository, digest)) {
                case ProbeResult.Published published -> {
                    return new Lookup.Published(repository, published.layerDir(), down);
                }
                case ProbeResult.NotPublished notPublished -> reasons.add(notPublished.reason());
                case ProbeResult.Unavailable unavailableRepository -> {
                    down.put(repository, unavailableRepository.reason());
                    reasons.add("repository " + repository.name() + " unavailable: " + unavailableRepository.reason());
                }
            }
        }
        if (repositories.isEmpty()) {
            reasons.add("no repository configured");
        }
        return new Lookup.Absent(notMine(down.isEmpty() ? DeclineReason.NOT_PUBLISHED : DeclineReason.UNAVAILABLE,
                String.join("; ", reasons)), down);
    }

    private LayerClaim provide(LayerRequest request, LayerDigest digest, Repository repository, Path layerDir)
            throws IOException {
        LayerPlans.Load load = plans.start(repository, digest, layerDir); // its own layer first, then the others
        ahead.schedule(request.labels(), digest);
        WhiteoutPlan plan;
        try {
            plan = load.await();
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            // The layer's own trouble: the repository answered its probe, so it is not counted unavailable.
            return notMine(DeclineReason.SCAN_INCOMPLETE, "cannot read the whiteout markers of " + layerDir + ": "
                    + e.getMessage());
        }
        if (!request.parent().isEmpty() && plan.opaque().contains(Path.of(""))) {
            return notMine(DeclineReason.NOT_STACKABLE, layerDir + " makes its root directory opaque, which overlayfs"
                    + " cannot express on top of other layers");
        }
        try {
            WhiteoutDirs.materialize(plan, request.aboveDir(), request.belowDir());
            // Last, so that a failure before leaves an ordinary empty directory to unpack into.
            Files.delete(request.contentDir());
            Files.createSymbolicLink(request.contentDir(), layerDir);
        } catch (IOException | RuntimeException e) {
            undo(request);
            throw e;
        }
        return new LayerClaim.Remote(NAME, Map.of(REPOSITORY_LABEL, repository.name(),
                LAYER_DIR_LABEL, layerDir.toString()));
    }

    /** Puts the snapshot directory back as the core made it, so that containerd can unpack into it. */
    private static void undo(LayerRequest request) throws IOException {
        for (Path dir : List.of(request.aboveDir(), request.belowDir())) {
            LocalTree.delete(dir);
        }
        if (Files.isSymbolicLink(request.contentDir())) {
            Files.delete(request.contentDir());
        }
        if (!Files.isDirectory(request.contentDir(), LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectory(request.contentDir());
        }
    }

    private static LayerClaim.NotMine notMine(DeclineReason code, String reason) {
        return new LayerClaim.NotMine(reason, code);
    }

    /** How often each repository was unavailable since start, by repository name. */
    public Map<String, Long> unavailableCounts() {
        return unavailable.totals();
    }

    @Override
    public void close() {
        ahead.close();
    }
}
