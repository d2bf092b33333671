package org.cvmfsstargz.stargz.layer;

import java.util.Objects;
import org.cvmfsstargz.stargz.format.Footer;

/**
 * A layer's footer and TOC section as fetched, not yet read into a {@code Toc}: what
 * {@link TocFetcher#fetchBytes} returns and {@link TocFetcher#parse} takes. Immutable; the array
 * is not copied. Whoever loads it closes it once parsed, which gives its room in the daemon's
 * {@link TocMemory} back.
 *
 * @param blob the blob the bytes come from, for its later chunk reads
 * @param footer the blob's footer
 * @param section the blob bytes {@code [footer.tocOffset(), blob.size() - footer.format().size())}
 * @param room the section's share of the TOC memory budget
 */
public record TocBytes(BlobSource blob, Footer footer, byte[] section, TocMemory.Permit room)
        implements AutoCloseable {
    /** Bytes no budget counts. */
    public TocBytes(BlobSource blob, Footer footer, byte[] section) {
        this(blob, footer, section, TocMemory.Permit.NONE);
    }

    public TocBytes {
        Objects.requireNonNull(blob, "blob");
        Objects.requireNonNull(footer, "footer");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(room, "room");
        if (section.length != footer.tocLength(blob.size())) {
            throw new IllegalArgumentException("a TOC section of " + section.length + " bytes where the footer implies "
                    + footer.tocLength(blob.size()));
        }
    }

    /** Gives the section's room back; the bytes themselves are dropped with this record. */
    @Override
    public void close() {
        room.close();
    }
}
