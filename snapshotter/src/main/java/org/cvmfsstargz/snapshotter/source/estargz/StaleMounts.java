package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eStargz FUSE mounts a daemon that died left under the snapshot root. A FUSE mount lives as
 * long as the process serving it; after a crash or {@code kill -9} its mount point answers
 * "Transport endpoint is not connected" until it is unmounted, and the snapshot directory cannot
 * be mounted again or deleted. The daemon holds the root's lock, so no live process serves any
 * mount under it at start: every one of ours is stale. Stateless.
 */
final class StaleMounts {
    private static final Logger LOG = LoggerFactory.getLogger(StaleMounts.class);

    private StaleMounts() {}

    /** Detaches (lazily: a running container may still hold one) every mount of {@code fsType} under {@code dir}. */
    static int detachUnder(MountTable table, Path dir, String fsType) {
        List<Path> stale;
        try {
            stale = table.mountPoints(dir, fsType);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot look for stale FUSE mounts: {}", e.getMessage());
            return 0;
        }
        int detached = 0;
        for (Path mountpoint : stale) {
            if (detach(mountpoint)) {
                detached++;
            }
        }
        if (detached > 0) {
            LOG.info("detached stale FUSE mounts count={} under={}", detached, dir);
        }
        return detached;
    }

    private static boolean detach(Path mountpoint) {
        try {
            Process umount = new ProcessBuilder("umount", "-l", mountpoint.toString()).redirectErrorStream(true).start();
            String output = new String(umount.getInputStream().readAllBytes()).strip();
            if (!umount.waitFor(10, TimeUnit.SECONDS) || umount.exitValue() != 0) {
                LOG.warn("cannot detach stale FUSE mount {}: {}", mountpoint, output);
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.warn("cannot detach stale FUSE mount {}: {}", mountpoint, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
