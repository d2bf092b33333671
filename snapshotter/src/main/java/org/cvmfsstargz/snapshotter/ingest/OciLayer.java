package org.cvmfsstargz.snapshotter.ingest;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * One layer of an image, joined from the manifest's layer descriptor and the config's
 * {@code rootfs.diff_ids} entry at the same index.
 *
 * <p>Immutable and thread-safe.
 *
 * @param digest the blob's (compressed) digest: DUCC's key under {@code .layers}
 * @param size the blob's size in bytes, from the descriptor
 * @param compression how the blob is compressed, from the descriptor's media type
 * @param diffId the digest of the uncompressed tar
 */
public record OciLayer(Digest digest, long size, Compression compression, Digest diffId) {

    /** The layer compressions {@code ingest} reads. */
    public enum Compression { GZIP, NONE }

    public OciLayer {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(diffId, "diffId");
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size + " for layer " + digest);
        }
    }
}
