package org.cvmfsstargz.snapshotter.ingest;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * The linux/amd64 image chosen from an OCI layout: what DUCC records about it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param configDigest the digest of the image config blob (DUCC's origin backlink)
 * @param created the config's {@code created} time, or the epoch when the config has none
 * @param layers the layers, base first
 */
public record OciImage(Digest configDigest, Instant created, List<OciLayer> layers) {
    public OciImage {
        Objects.requireNonNull(configDigest, "configDigest");
        Objects.requireNonNull(created, "created");
        layers = List.copyOf(layers);
    }
}
