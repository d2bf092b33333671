package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.config.CvmfsConfig;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the JVM for the first CVMFS layer, which would otherwise pay for loading and linking
 * everything a claim touches, above all the FFM downcalls that create overlayfs whiteouts
 * ({@code mknod}, {@code setxattr}): measured on this project's 2-core machine, a first
 * translation took 450 to 830 ms cold, most of it linking, against under 10 ms once warm. The AOT
 * cache cannot hold what FFM generates at run time. At start-up, before the socket is published,
 * claims a synthetic layer twice from a throwaway repository in {@code <daemon root>/cvmfs/warm-up}
 * (its index, then the plan kept on disk), walks its tree, and deletes it all; nothing the daemon
 * serves is touched.
 *
 * <p>Stateless.
 */
public final class CvmfsWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(CvmfsWarmUp.class);
    private static final String REPOSITORY = "warm-up.local";
    private static final LayerDigest LAYER = LayerDigest.parse("sha256:" + "0".repeat(64));

    private CvmfsWarmUp() {}

    /** Runs the warm-up under {@code root}; a failure is only logged. */
    public static void run(Path root) {
        long started = System.nanoTime();
        Path dir = root.resolve("cvmfs").resolve("warm-up");
        try {
            warm(dir);
            LOG.debug("cvmfs warm-up done ms={}", (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException | LinkageError e) {
            // Nothing depends on it: the first layer is only slower, or fails with its own reason.
            LOG.warn("cvmfs warm-up failed: {}", e.toString());
        } finally {
            try {
                LocalTree.delete(dir);
            } catch (IOException | RuntimeException e) {
                LOG.warn("cvmfs warm-up left {}: {}", dir, e.toString());
            }
        }
    }

    /** The warm-up's work in {@code dir}, which it empties first; throws what went wrong. */
    static void warm(Path dir) throws IOException {
        LocalTree.delete(dir);
        Repository repository = new Repository(dir, REPOSITORY);
        Path layerfs = Files.createDirectories(repository.layerDir(LAYER));
        Files.createFile(layerfs.resolve(".cvmfscatalog"));
        Files.createFile(Files.createDirectories(layerfs.resolve("etc")).resolve(".wh.gone"));
        Files.createFile(Files.createDirectories(layerfs.resolve("data")).resolve(".wh..wh..opq"));
        byte[] index = WhiteoutIndex.encode(LAYER, new WhiteoutScan(Duration.ofSeconds(10), 100)
                .walk(layerfs, entries -> { })).orElseThrow();
        Files.write(Files.createDirectories(repository.layerMetadata(LAYER)).resolve(WhiteoutIndex.FILE_NAME), index);
        CvmfsConfig config = new CvmfsConfig(true, dir, List.of(REPOSITORY), null, null, null, null, null, null);
        for (int round = 1; round <= 2; round++) { // the index first, then the plan kept on disk
            CvmfsLayerSource source = CvmfsLayerSource.of(config, new DeadlineCalls(Duration.ofSeconds(10)),
                    DiskPlanCache.open(dir.resolve("plans"), 10));
            Path snapshot = Files.createDirectories(dir.resolve("snapshot-" + round).resolve("fs")).getParent();
            LayerClaim claim = source.claim(new LayerRequest("sha256:warm-up", "warm-up-" + round, "",
                    Map.of(RemoteLabels.CRI_LAYER_DIGEST, LAYER.value()), snapshot));
            source.close();
            if (!(claim instanceof LayerClaim.Remote)) {
                throw new IOException("the synthetic layer was not claimed: " + claim);
            }
        }
    }
}
