package org.cvmfsstargz.snapshotter.diagnose;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.layer.BlobSource;
import org.cvmfsstargz.stargz.registry.ByteRange;

/**
 * A {@link BlobSource} that keeps what it served, so that after a {@code TocFetcher} has read and
 * verified a TOC the sizes of that TOC can be told without fetching anything again. Meant for a
 * TOC fetch (two reads at most); not thread-safe.
 */
final class RecordingBlobSource implements BlobSource {
    private record Served(ByteRange range, byte[] bytes) {}

    private final BlobSource blob;
    private final List<Served> served = new ArrayList<>();

    RecordingBlobSource(BlobSource blob) {
        this.blob = Objects.requireNonNull(blob, "blob");
    }

    @Override
    public long size() {
        return blob.size();
    }

    @Override
    public List<byte[]> read(List<ByteRange> ranges) throws IOException {
        List<byte[]> bytes = blob.read(ranges);
        for (int i = 0; i < ranges.size(); i++) {
            served.add(new Served(ranges.get(i), bytes.get(i)));
        }
        return bytes;
    }

    @Override
    public String describe() {
        return blob.describe();
    }

    /**
     * The sizes of the TOC whose section was read through this source: the footer found in the
     * bytes served from the blob's end, the section found among the bytes served.
     *
     * @throws IOException if the TOC was not read through this source, or its JSON cannot be
     *     found again (which a verified TOC rules out)
     */
    TocSizes tocSizes() throws IOException {
        long size = blob.size();
        Served tail = served.stream().filter(s -> s.range().offset() + s.bytes().length == size).findFirst()
                .orElseThrow(() -> new IOException("the end of " + describe() + " was not read"));
        Footer footer;
        try {
            footer = Footer.parse(tail.bytes(), size);
        } catch (CorruptLayerException e) {
            throw new IOException(describe() + ": " + e.getMessage(), e);
        }
        long length = footer.tocLength(size);
        return new TocSizes(length, jsonLength(section(footer.tocOffset(), length)));
    }

    private byte[] section(long offset, long length) throws IOException {
        for (Served s : served) {
            long from = offset - s.range().offset();
            if (from >= 0 && from + length <= s.bytes().length) {
                return Arrays.copyOfRange(s.bytes(), (int) from, (int) (from + length));
            }
        }
        throw new IOException("the TOC section of " + describe() + " was not read");
    }

    private static long jsonLength(byte[] section) throws IOException {
        try (InputStream gzip = new GZIPInputStream(new ByteArrayInputStream(section));
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            TarArchiveEntry entry = tar.getNextEntry();
            if (entry == null) {
                throw new IOException("the TOC section holds no tar entry");
            }
            return entry.getSize();
        }
    }
}
