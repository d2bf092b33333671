package org.cvmfsstargz.stargz.registry;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * An OCI content descriptor: what a manifest says about a config or layer blob, or an index
 * about a manifest. Annotations are kept because eStargz layers carry their TOC digest there.
 *
 * <p>Immutable and thread-safe.
 *
 * @param mediaType the blob's media type
 * @param digest the blob's digest
 * @param size the blob's size in bytes
 * @param platform the platform of an index entry; empty elsewhere or when not given
 * @param annotations the descriptor's annotations, possibly empty
 */
public record Descriptor(String mediaType, Digest digest, long size, Optional<Platform> platform,
        Map<String, String> annotations) {
    public Descriptor {
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(platform, "platform");
        annotations = Map.copyOf(annotations);
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " in the descriptor of " + digest);
        }
    }
}
