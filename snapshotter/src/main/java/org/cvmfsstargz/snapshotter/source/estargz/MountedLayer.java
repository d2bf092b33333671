package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.IOException;
import java.time.Duration;
import org.cvmfsstargz.stargz.fuse.LayerMount;
import org.cvmfsstargz.stargz.layer.BackgroundFetch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One eStargz layer this daemon serves: its FUSE mount and its background fetch. Thread-safe;
 * the source closes it when the snapshot is removed or the daemon stops.
 */
final class MountedLayer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MountedLayer.class);
    /** A health answer is reused this long: every Prepare and Mounts of a child asks for every remote parent. */
    private static final Duration HEALTH_TTL = Duration.ofSeconds(1);

    private final LayerCoordinates coordinates;
    private final LayerMount mount;
    private final BackgroundFetch fetch;
    private volatile long checkedAt = System.nanoTime() - HEALTH_TTL.toNanos();
    private volatile boolean healthy;

    MountedLayer(LayerCoordinates coordinates, LayerMount mount, BackgroundFetch fetch) {
        this.coordinates = coordinates;
        this.mount = mount;
        this.fetch = fetch;
    }

    LayerCoordinates coordinates() {
        return coordinates;
    }

    /** Whether the mount is there and answers, as checked at most {@link #HEALTH_TTL} ago. */
    boolean healthy() {
        long now = System.nanoTime();
        if (now - checkedAt >= HEALTH_TTL.toNanos()) {
            healthy = mount.healthy();
            checkedAt = now;
        }
        return healthy;
    }

    /** Stops the background fetch and unmounts (lazily, if a container still has files open). */
    @Override
    public void close() {
        fetch.close();
        try {
            mount.close();
        } catch (IOException e) {
            LOG.warn("unmounting eStargz layer failed layer={} error=\"{}\"", coordinates, e.getMessage());
        }
    }
}
