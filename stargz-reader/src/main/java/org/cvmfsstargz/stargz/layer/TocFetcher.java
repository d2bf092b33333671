package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.registry.ByteRange;

/**
 * Reads a layer's index from its blob: the tail (footer, and often the whole TOC with it), then
 * the part of the TOC section before the tail if the tail did not hold it all (never the tail's
 * bytes again), then {@link TocReader}. Two reads at most; {@link RegistryBlobSource#openAtTail}
 * makes the first one size the blob too. {@link #fetchBytes} and {@link #parse} are the two halves,
 * for a caller that fetches ahead of knowing the TOC digest ({@link TocPrefetcher}). Thread-safe:
 * holds only its reader and the daemon's {@link TocMemory}.
 */
public final class TocFetcher {
    /** Read from the end of the blob first: small layers' TOCs fit, and one request is saved. */
    public static final int TAIL_BYTES = 64 << 10;

    private final TocReader reader;
    private final TocMemory memory;

    /** A fetcher whose loads no budget bounds: for tools that read one layer at a time. */
    public TocFetcher(TocReader reader) {
        this(reader, TocMemory.unbounded());
    }

    /** @param memory bounds the TOC sections this fetcher's loads (and those of every fetcher sharing it) hold */
    public TocFetcher(TocReader reader, TocMemory memory) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.memory = Objects.requireNonNull(memory, "memory");
    }

    /** As {@link #fetch(BlobSource, Optional, FetchListener)}, telling nobody what was fetched. */
    public Toc fetch(BlobSource blob, Optional<Digest> tocDigest) throws IOException, CorruptLayerException {
        return fetch(blob, tocDigest, FetchListener.NONE);
    }

    /**
     * The verified index of the layer in {@code blob}, whose size is known: reads its tail, then
     * as {@link #fetchBytes} and {@link #parse}.
     *
     * @param tocDigest the {@code toc.digest} annotation's value; empty only when verification is off
     * @param listener told of each read of the blob, as {@link FetchPurpose#TOC}
     * @throws CorruptLayerException if the blob is not (e)stargz or its footer or TOC is refused
     * @throws IOException if the blob could not be read
     */
    public Toc fetch(BlobSource blob, Optional<Digest> tocDigest, FetchListener listener)
            throws IOException, CorruptLayerException {
        int tailLength = (int) Math.min(blob.size(), TAIL_BYTES);
        byte[] tail = tailLength == 0 ? new byte[0]
                : readExactly(blob, new ByteRange(blob.size() - tailLength, tailLength), listener);
        try (TocBytes bytes = fetchBytes(new OpenedBlob(blob, tail), listener)) {
            return parse(bytes, tocDigest);
        }
    }

    /**
     * The footer and TOC section of {@code opened}: from its tail, plus one read of the section's
     * bytes before the tail when the section starts earlier. Nothing is verified yet. The section
     * holds its share of the {@link TocMemory} budget (waiting for it first) until the caller
     * closes the result.
     *
     * @param listener told of the read of the blob, if one is needed, as {@link FetchPurpose#TOC}
     * @throws CorruptLayerException if the blob is not (e)stargz, its footer is refused, or its TOC
     *     section is over the reader's limit
     * @throws IOException if the blob could not be read
     */
    public TocBytes fetchBytes(OpenedBlob opened, FetchListener listener) throws IOException, CorruptLayerException {
        return fetchBytes(opened, listener, Long.MAX_VALUE);
    }

    /**
     * As {@link #fetchBytes(OpenedBlob, FetchListener)}, refusing a TOC section longer than
     * {@code maxSectionBytes} before reading it: fetching ahead holds several sections at once, and
     * must not hold more than its budget allows.
     */
    public TocBytes fetchBytes(OpenedBlob opened, FetchListener listener, long maxSectionBytes)
            throws IOException, CorruptLayerException {
        BlobSource blob = opened.blob();
        long size = blob.size();
        byte[] tail = opened.tail();
        if (tail.length == 0) {
            throw new CorruptLayerException(CorruptLayerException.Reason.NOT_ESTARGZ, "the blob is empty");
        }
        Footer footer = Footer.parse(tail, size);
        long sectionLength = footer.tocLength(size);
        if (!reader.admitsSection(sectionLength) || sectionLength > Integer.MAX_VALUE - 8) {
            throw new CorruptLayerException(CorruptLayerException.Reason.TOC_TOO_LARGE, "TOC section of "
                    + sectionLength + " bytes in " + blob.describe() + " exceeds the configured limit");
        }
        if (sectionLength > maxSectionBytes) {
            throw new CorruptLayerException(CorruptLayerException.Reason.TOC_TOO_LARGE, "TOC section of "
                    + sectionLength + " bytes in " + blob.describe() + " is larger than " + maxSectionBytes
                    + " bytes, the most fetched ahead at once");
        }
        TocMemory.Permit room = memory.acquire(sectionLength, blob.describe());
        try {
            long tailStart = size - tail.length;
            byte[] section = new byte[(int) sectionLength];
            int before = (int) Math.max(0, tailStart - footer.tocOffset()); // section bytes in front of the tail
            if (before > 0) {
                byte[] head = readExactly(blob, new ByteRange(footer.tocOffset(), before), listener);
                System.arraycopy(head, 0, section, 0, before);
            }
            int fromTail = (int) (footer.tocOffset() + before - tailStart);
            System.arraycopy(tail, fromTail, section, before, section.length - before);
            return new TocBytes(blob, footer, section, room);
        } catch (IOException | RuntimeException e) {
            room.close();
            throw e;
        }
    }

    /**
     * The index in {@code bytes}, checked against {@code tocDigest} when given; with none, the
     * digest computed while parsing is in {@link Toc#digest()}, for the caller to compare later.
     *
     * @throws CorruptLayerException if the TOC is malformed, does not match, or fails validation
     */
    public Toc parse(TocBytes bytes, Optional<Digest> tocDigest) throws CorruptLayerException {
        return reader.read(bytes.section(), bytes.footer(), bytes.blob().size(), tocDigest);
    }

    static byte[] readExactly(BlobSource blob, ByteRange range, FetchListener listener) throws IOException {
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
