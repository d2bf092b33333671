package org.cvmfsstargz.snapshotter.ingest;

import java.time.Duration;
import java.util.Objects;

/**
 * What one ingest did.
 *
 * <p>Immutable and thread-safe.
 *
 * @param image the image ingested
 * @param layersWritten layers unpacked into the output
 * @param layersSkipped layers already present (only their origin backlink was merged)
 * @param bytesRead compressed bytes read for the written layers
 * @param elapsed wall-clock time of the whole ingest
 */
public record IngestReport(OciImage image, int layersWritten, int layersSkipped, long bytesRead,
        Duration elapsed) {
    public IngestReport {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(elapsed, "elapsed");
        if (layersWritten < 0 || layersSkipped < 0 || bytesRead < 0) {
            throw new IllegalArgumentException("negative count in ingest report");
        }
    }

    /** Elapsed time in seconds, for the one-line summary. */
    public double seconds() {
        return elapsed.toNanos() / 1e9;
    }
}
