package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.registry.ByteRange;

/**
 * Reads a layer's index from its blob: the tail (footer, and often the whole TOC with it), then
 * the rest of the TOC section if the tail did not hold it, then {@link TocReader}. Two requests at
 * most. Thread-safe: holds only its reader.
 */
public final class TocFetcher {
    /** Read from the end of the blob first: small layers' TOCs fit, and one request is saved. */
    static final int TAIL_BYTES = 64 << 10;

    private final TocReader reader;

    public TocFetcher(TocReader reader) {
        this.reader = reader;
    }

    /** As {@link #fetch(BlobSource, Optional, FetchListener)}, telling nobody what was fetched. */
    public Toc fetch(BlobSource blob, Optional<Digest> tocDigest) throws IOException, CorruptLayerException {
        return fetch(blob, tocDigest, FetchListener.NONE);
    }

    /**
     * The verified index of the layer in {@code blob}.
     *
     * @param tocDigest the {@code toc.digest} annotation's value; empty only when verification is off
     * @param listener told of each read of the blob, as {@link FetchPurpose#TOC}
     * @throws CorruptLayerException if the blob is not (e)stargz or its footer or TOC is refused
     * @throws IOException if the blob could not be read
     */
    public Toc fetch(BlobSource blob, Optional<Digest> tocDigest, FetchListener listener)
            throws IOException, CorruptLayerException {
        long size = blob.size();
        int tailLength = (int) Math.min(size, TAIL_BYTES);
        if (tailLength == 0) {
            throw new CorruptLayerException(CorruptLayerException.Reason.NOT_ESTARGZ, "the blob is empty");
        }
        long tailStart = size - tailLength;
        byte[] tail = readExactly(blob, new ByteRange(tailStart, tailLength), listener);
        Footer footer = Footer.parse(tail, size);
        long sectionLength = footer.tocLength(size);
        if (!reader.admitsSection(sectionLength) || sectionLength > Integer.MAX_VALUE - 8) {
            throw new CorruptLayerException(CorruptLayerException.Reason.TOC_TOO_LARGE, "TOC section of "
                    + sectionLength + " bytes in " + blob.describe() + " exceeds the configured limit");
        }
        byte[] section;
        if (footer.tocOffset() >= tailStart) {
            int from = (int) (footer.tocOffset() - tailStart);
            section = Arrays.copyOfRange(tail, from, from + (int) sectionLength);
        } else {
            section = readExactly(blob, new ByteRange(footer.tocOffset(), (int) sectionLength), listener);
        }
        return reader.read(section, footer, size, tocDigest);
    }

    private static byte[] readExactly(BlobSource blob, ByteRange range, FetchListener listener) throws IOException {
        long started = System.nanoTime();
        byte[] bytes;
        try {
            bytes = blob.read(List.of(range)).getFirst();
        } catch (IOException | RuntimeException e) {
            listener.fetchFailed(FetchPurpose.TOC);
            throw e;
        }
        listener.fetched(FetchPurpose.TOC, 1, bytes.length, System.nanoTime() - started);
        if (bytes.length != range.length()) {
            throw new IOException(blob.describe() + " gave " + bytes.length + " bytes for range "
                    + range.httpSpec() + " of a blob it says has " + blob.size());
        }
        return bytes;
    }
}
