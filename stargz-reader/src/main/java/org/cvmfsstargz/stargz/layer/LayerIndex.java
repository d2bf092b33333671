package org.cvmfsstargz.stargz.layer;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Toc;

/**
 * A layer ready to mount: its blob and its verified index. Immutable.
 *
 * @param blob the blob its chunks are read from
 * @param toc its index
 * @param prefetched whether the index was fetched ahead of the layer's Prepare ({@link TocPrefetcher})
 */
public record LayerIndex(BlobSource blob, Toc toc, boolean prefetched) {
    public LayerIndex {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(toc, "toc");
    }
}
