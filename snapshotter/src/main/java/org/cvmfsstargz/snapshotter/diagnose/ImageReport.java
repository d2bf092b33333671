package org.cvmfsstargz.snapshotter.diagnose;

import java.util.List;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * The layers of one image's linux/amd64 manifest, each with what the daemon would do with it.
 * Immutable.
 *
 * @param reference      the image as asked for
 * @param manifestDigest the digest of the manifest inspected (the platform's, for an index)
 * @param layers         the layers inspected, base first (one, with {@code --layer})
 */
public record ImageReport(String reference, Digest manifestDigest, List<LayerReport> layers) {
    public ImageReport {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
        layers = List.copyOf(layers);
    }
}
