package org.cvmfsstargz.stargz.registry;

import java.util.List;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * One platform's image manifest as the registry served it, verified against {@link #digest()}:
 * its exact bytes (for fields this record does not lift) and its config and layer descriptors.
 *
 * <p>Immutable and thread-safe: {@link #content()} returns a copy.
 *
 * @param reference the reference asked for, pinned to this manifest's digest
 * @param digest the manifest's digest (sha256 of {@code content})
 * @param mediaType an OCI or Docker v2 image manifest media type
 * @param content the manifest's bytes
 * @param config the image config's descriptor
 * @param layers the layers' descriptors, base first
 */
public record ImageManifest(ImageReference reference, Digest digest, String mediaType, byte[] content,
        Descriptor config, List<Descriptor> layers) {
    public ImageManifest {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(config, "config");
        content = content.clone();
        layers = List.copyOf(layers);
    }

    @Override
    public byte[] content() {
        return content.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageManifest m && reference.equals(m.reference) && digest.equals(m.digest);
    }

    @Override
    public int hashCode() {
        return Objects.hash(reference, digest);
    }

    @Override
    public String toString() {
        return "ImageManifest[" + reference + ", " + mediaType + ", " + layers.size() + " layers]";
    }
}
