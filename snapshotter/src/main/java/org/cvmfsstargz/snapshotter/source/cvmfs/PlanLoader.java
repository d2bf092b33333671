package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.RepositoryHungException;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.CorruptIndexException;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.cvmfs.whiteout.WalkProgress;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds one layer's whiteout plan, cheapest way first: the daemon's copy on local disk (no
 * repository access at all), else the index the repository publishes beside the layer
 * ({@code .metadata/whiteouts}, one read under the probe deadline), else a walk of the layer's
 * tree. A plan found in the repository is kept on disk for the next daemon start. A refused
 * disk file or index is logged and passed over, never used.
 *
 * <p>Thread-safe (the disk cache is). Blocking: run it on a platform thread, since a walk may
 * hang in the kernel.
 */
final class PlanLoader {
    private static final Logger LOG = LoggerFactory.getLogger(PlanLoader.class);

    /** Walks a layer's tree on the calling thread, telling {@code progress} each entry's count. */
    @FunctionalInterface
    interface Walker {
        WhiteoutPlan walk(Path layerfs, LongConsumer progress) throws IOException;
    }

    /** Where a plan came from, for the log. */
    enum Origin { DISK, INDEX, WALK }

    private final DiskPlanCache cache;
    private final DeadlineCalls calls;
    private final Walker walker;

    /**
     * @param calls reads the repository's index; a quiet view, since a slow layer must not make
     *              its repository unavailable (the Prepare's own probe decides that)
     */
    PlanLoader(DiskPlanCache cache, DeadlineCalls calls, Walker walker) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.calls = Objects.requireNonNull(calls, "calls");
        this.walker = Objects.requireNonNull(walker, "walker");
    }

    /**
     * The plan of {@code digest}, published at {@code layerDir} in {@code repository}.
     *
     * @throws RepositoryHungException reading the index did not return within the probe deadline
     * @throws IOException the walk failed (see {@link org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan})
     */
    WhiteoutPlan load(Repository repository, LayerDigest digest, Path layerDir, WalkProgress progress)
            throws IOException {
        long started = System.nanoTime();
        switch (cache.get(digest)) {
            case DiskPlanCache.Lookup.Hit hit -> {
                log(Origin.DISK, digest, started, 0);
                return hit.plan();
            }
            case DiskPlanCache.Lookup.Refused refused -> LOG.warn("whiteout plan file refused, the layer is read again"
                    + " file={} reason=\"{}\"", refused.file(), refused.reason());
            case DiskPlanCache.Lookup.Miss miss -> { }
        }
        progress.touch();
        Optional<WhiteoutPlan> indexed = readIndex(repository, digest);
        progress.touch();
        WhiteoutPlan plan = indexed.isPresent() ? indexed.get() : walker.walk(layerDir, progress);
        log(indexed.isPresent() ? Origin.INDEX : Origin.WALK, digest, started, progress.entries());
        try {
            cache.put(digest, plan);
        } catch (IOException e) {
            LOG.warn("whiteout plan not kept on disk, the layer will be read again after a restart layer={}"
                    + " error=\"{}\"", digest, e.toString());
        }
        return plan;
    }

    /** The repository's index of the layer, if it publishes a valid one. */
    private Optional<WhiteoutPlan> readIndex(Repository repository, LayerDigest digest) throws IOException {
        Path file = repository.layerMetadata(digest).resolve(WhiteoutIndex.FILE_NAME);
        byte[] content;
        try {
            content = calls.call(repository, file, () -> readBounded(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (RepositoryHungException e) {
            throw e;
        } catch (IOException e) {
            LOG.warn("whiteout index unreadable, the layer is walked file={} error=\"{}\"", file, e.toString());
            return Optional.empty();
        }
        try {
            return Optional.of(WhiteoutIndex.decode(content, digest, file.toString()));
        } catch (CorruptIndexException e) {
            LOG.warn("whiteout index refused, the layer is walked layer={} reason=\"{}\"", digest, e.getMessage());
            return Optional.empty();
        }
    }

    /** At most one byte more than an index may have, so that a larger file is refused unread. */
    private static byte[] readBounded(Path file) throws IOException {
        // Not following a symbolic link: repository content must not make the daemon read other files.
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return in.readNBytes(WhiteoutIndex.MAX_BYTES + 1);
        }
    }

    private static void log(Origin origin, LayerDigest digest, long started, long entries) {
        long ms = (System.nanoTime() - started) / 1_000_000;
        if (origin == Origin.WALK) {
            LOG.info("whiteout plan layer={} from=walk entries={} ms={}", digest, entries, ms);
        } else {
            LOG.debug("whiteout plan layer={} from={} ms={}", digest, origin.name().toLowerCase(java.util.Locale.ROOT), ms);
        }
    }
}
