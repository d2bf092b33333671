package org.cvmfsstargz.stargz.layer;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Footer;

/**
 * A layer's footer and TOC section as fetched, not yet read into a {@code Toc}: what
 * {@link TocFetcher#fetchBytes} returns and {@link TocFetcher#parse} takes. Immutable; the array
 * is not copied.
 *
 * @param blob the blob the bytes come from, for its later chunk reads
 * @param footer the blob's footer
 * @param section the blob bytes {@code [footer.tocOffset(), blob.size() - footer.format().size())}
 */
public record TocBytes(BlobSource blob, Footer footer, byte[] section) {
    public TocBytes {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(footer, "footer");
        Objects.requireNonNull(section, "section");
        if (section.length != footer.tocLength(blob.size())) {
            throw new IllegalArgumentException("a TOC section of " + section.length + " bytes where the footer implies "
                    + footer.tocLength(blob.size()));
        }
    }
}
