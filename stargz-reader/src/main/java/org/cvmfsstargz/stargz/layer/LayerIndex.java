package org.cvmfsstargz.stargz.layer;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Toc;

/**
 * A layer ready to mount: its footer and TOC section as fetched (with the blob they come from) and
 * the verified index read from them. The section is kept so that the caller can store it for a
 * restart ({@link StoredTocs}). Immutable.
 *
 * @param bytes the footer and TOC section, and the blob its chunks are read from
 * @param toc its index
 * @param prefetched whether the index was fetched ahead of the layer's Prepare ({@link TocPrefetcher})
 */
public record LayerIndex(TocBytes bytes, Toc toc, boolean prefetched) {
    public LayerIndex {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(toc, "toc");
    }

    /** The blob its chunks are read from. */
    public BlobSource blob() {
        return bytes.blob();
    }
}
