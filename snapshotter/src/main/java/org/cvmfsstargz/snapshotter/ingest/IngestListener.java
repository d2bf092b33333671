package org.cvmfsstargz.snapshotter.ingest;

import java.time.Duration;

/**
 * Told about each layer as {@link DuccLayoutWriter} finishes it (for progress output). Called on
 * the ingesting thread; implementations must not throw.
 */
@FunctionalInterface
public interface IngestListener {
    /** Ignores every event. */
    IngestListener NONE = (layer, written, elapsed) -> { };

    /**
     * @param layer the layer
     * @param written true if unpacked now, false if it was already present and skipped
     * @param elapsed time spent on this layer
     */
    void layerDone(OciLayer layer, boolean written, Duration elapsed);
}
