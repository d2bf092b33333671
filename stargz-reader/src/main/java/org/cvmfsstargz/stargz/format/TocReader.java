package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_TOC;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_DIGEST_MISMATCH;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_TOO_LARGE;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Reads a layer's TOC section, the blob bytes from {@link Footer#tocOffset()} up to the footer,
 * into a {@link Toc}: gunzips it, takes the tar's first entry {@code stargz.index.json}, hashes its
 * exact bytes (the TOC digest; never a re-serialisation) and parses them as a stream.
 *
 * <p>The JSON is hashed as it is parsed, in one pass of gunzip: when a TOC digest is expected (the
 * {@code containerd.io/snapshot/stargz/toc.digest} label) the index is returned only if the digest
 * matches, and a TOC that does not match is reported as such even where it also fails to parse.
 * The parser therefore sees JSON before it is known to be the one the manifest vouches for (as it
 * must for a TOC fetched ahead of its label, see {@code TocPrefetcher}); what bounds a hostile TOC
 * is that every limit of {@link TocLimits} is enforced before the corresponding memory is spent.
 * Thread-safe: holds only its limits.
 */
public final class TocReader {
    private static final int BUFFER = 64 << 10;

    private final TocLimits limits;

    public TocReader(TocLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** Whether a TOC section of {@code length} bytes is within the limit, to check before fetching it. */
    public boolean admitsSection(long length) {
        return length <= limits.maxTocBytes();
    }

    /**
     * The index of the layer whose TOC section is {@code section}.
     *
     * @param section the blob bytes {@code [footer.tocOffset(), blobSize - footer.size())}
     * @param footer the blob's footer
     * @param blobSize the blob's length
     * @param expectedDigest the TOC digest the manifest annotation gives, if any
     * @throws CorruptLayerException if the TOC is too large, malformed, does not match
     *     {@code expectedDigest}, or describes a layer that fails validation
     * @throws IllegalArgumentException if {@code section} has not the length the footer implies
     */
    public Toc read(byte[] section, Footer footer, long blobSize, Optional<Digest> expectedDigest)
            throws CorruptLayerException {
        if (section.length != footer.tocLength(blobSize)) {
            throw new IllegalArgumentException("TOC section of " + section.length + " bytes where the footer implies "
                    + footer.tocLength(blobSize));
        }
        if (!admitsSection(section.length)) {
            throw new CorruptLayerException(TOC_TOO_LARGE, "TOC section of " + section.length
                    + " bytes exceeds the limit of " + limits.maxTocBytes());
        }
        MessageDigest hasher = Digest.newHasher();
        TocBuilder builder = new TocBuilder(limits, footer.tocOffset());
        CorruptLayerException refused = null;
        try (InputStream gzip = gunzip(section)) {
            TocTarEntry json = TocTarEntry.open(gzip, limits.maxTocBytes());
            InputStream in = new DigestInputStream(json, hasher);
            try {
                new TocJsonParser(builder, limits.maxXattrBytes()).parse(in);
                in.transferTo(OutputStream.nullOutputStream()); // the parser read to the end; nothing should be left
                if (!json.exhausted()) {
                    throw new CorruptLayerException(MALFORMED_TOC, "the TOC JSON ended before its declared size");
                }
            } catch (CorruptLayerException e) {
                if (expectedDigest.isEmpty()) {
                    throw e;
                }
                refused = e; // a TOC that also fails its digest is reported as tampered, not as malformed
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (IOException e) {
            throw new CorruptLayerException(MALFORMED_TOC, "unreadable TOC data: " + e.getMessage(), e);
        }
        Digest actual = Digest.of(hasher.digest());
        if (expectedDigest.isPresent() && !actual.equals(expectedDigest.get())) {
            CorruptLayerException mismatch = new CorruptLayerException(TOC_DIGEST_MISMATCH, "the TOC JSON hashes to "
                    + actual + ", the layer's toc.digest annotation says " + expectedDigest.get());
            if (refused != null) {
                mismatch.addSuppressed(refused);
            }
            throw mismatch;
        }
        if (refused != null) {
            throw refused;
        }
        return builder.build(actual);
    }

    private static InputStream gunzip(byte[] section) throws IOException {
        return new GZIPInputStream(new ByteArrayInputStream(section), BUFFER);
    }
}
