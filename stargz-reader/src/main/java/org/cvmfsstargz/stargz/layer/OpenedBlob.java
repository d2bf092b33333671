package org.cvmfsstargz.stargz.layer;

import java.util.Objects;

/**
 * A layer blob opened by reading its end: the source to read it by range from now on, and its
 * last bytes, where {@link TocFetcher} looks for the footer (and often finds the whole TOC).
 * Immutable; the array is not copied, so the receiver owns it.
 *
 * @param blob the blob, its size known
 * @param tail the blob's last {@code tail.length} bytes
 */
public record OpenedBlob(BlobSource blob, byte[] tail) {
    public OpenedBlob {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(tail, "tail");
        if (tail.length > blob.size()) {
            throw new IllegalArgumentException("a tail of " + tail.length + " bytes of a blob of " + blob.size());
        }
    }
}
