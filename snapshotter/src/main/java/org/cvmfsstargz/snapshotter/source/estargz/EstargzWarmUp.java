package org.cvmfsstargz.snapshotter.source.estargz;

import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.fuse.LayerFilesystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Readies the JVM for the first eStargz layer: what the AOT cache cannot hold is made at run time,
 * and the first layer would otherwise pay for it. jnr-fuse generates the classes of its native
 * callbacks when a filesystem is built (120 ms on this project's 2-core machine with the AOT
 * cache, 600 ms without), and the TOC parser's code is compiled on its first large TOC. Parses a
 * synthetic TOC twice and builds one filesystem without mounting it, at start-up, before the
 * socket is published: about a quarter of a second of one core, and containerd's first calls do
 * not compete with it.
 *
 * <p>Stateless.
 */
public final class EstargzWarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(EstargzWarmUp.class);
    private static final int ENTRIES = 2_000;
    private static final int ROUNDS = 2;

    private EstargzWarmUp() {}

    /** Runs the warm-up; a failure is only logged. */
    public static void run() {
        long started = System.nanoTime();
        try {
            Toc toc = SyntheticToc.sample(ENTRIES);
            for (int round = 1; round < ROUNDS; round++) {
                toc = SyntheticToc.sample(ENTRIES);
            }
            new LayerFilesystem(toc.digest(), toc, (file, offset, dst, length) -> 0);
            LOG.debug("eStargz warm-up done ms={}", (System.nanoTime() - started) / 1_000_000);
        } catch (CorruptLayerException | RuntimeException | LinkageError e) {
            // Nothing depends on it: the first layer is only slower, or fails to mount with its own reason.
            LOG.warn("eStargz warm-up failed: {}", e.toString());
        }
    }
}
