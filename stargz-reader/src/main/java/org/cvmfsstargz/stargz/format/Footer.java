package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_FOOTER;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.NOT_ESTARGZ;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.OFFSET_OUT_OF_BLOB;

import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The footer at the very end of an (e)stargz blob: an empty gzip member whose header's Extra field
 * holds the compressed offset of the TOC as 16 hex digits followed by {@code STARGZ}.
 *
 * <ul>
 *   <li>eStargz, 51 bytes: the Extra field is one RFC 1952 subfield {@code 'S' 'G'}, LEN 22;
 *   <li>legacy stargz (google/crfs), 47 bytes: the Extra field is the 22 bytes directly, without
 *       a subfield header.
 * </ul>
 *
 * <p>Both end in the same 5-byte empty stored deflate block and an all-zero CRC32/ISIZE trailer.
 * The TOC occupies the blob bytes {@code [tocOffset, blobSize - size)}. Immutable and thread-safe.
 *
 * @param format which of the two footers it is
 * @param tocOffset where the TOC's gzip member starts in the blob
 */
public record Footer(Format format, long tocOffset) {
    /** The longest footer: read at least this many bytes from the end of a blob to find any of them. */
    public static final int MAX_SIZE = 51;

    private static final int FEXTRA = 0x04;
    private static final int GZIP_HEADER = 10;
    private static final int GZIP_TRAILER = 8;
    private static final int PAYLOAD = 22;
    private static final int HEX_DIGITS = 16;
    private static final byte[] MAGIC = "STARGZ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_STORED_BLOCK = {0x01, 0x00, 0x00, (byte) 0xff, (byte) 0xff};

    /** The two footer layouts. */
    public enum Format {
        /** eStargz: Extra field = subfield 'S','G', LEN 22, 22 bytes of data (51 bytes in all). */
        ESTARGZ(51, 26),
        /** Legacy stargz (google/crfs): Extra field = the 22 bytes of data, no subfield header (47 bytes). */
        LEGACY_STARGZ(47, 22);

        private final int size;
        private final int extraLength;

        Format(int size, int extraLength) {
            this.size = size;
            this.extraLength = extraLength;
        }

        /** The footer's length in bytes. */
        public int size() {
            return size;
        }
    }

    public Footer {
        Objects.requireNonNull(format, "format");
        if (tocOffset < 0) {
            throw new IllegalArgumentException("negative TOC offset " + tocOffset);
        }
    }

    /**
     * Finds the footer in {@code tail}, the last {@code tail.length} bytes of a blob of
     * {@code blobSize} bytes (read at least {@link #MAX_SIZE} bytes, or the whole blob if it is
     * shorter). eStargz is tried first, then legacy stargz.
     *
     * @throws CorruptLayerException {@code NOT_ESTARGZ} if neither footer is there;
     *     {@code MALFORMED_FOOTER} or {@code OFFSET_OUT_OF_BLOB} if one is there but unusable
     * @throws IllegalArgumentException if {@code tail} is longer than the blob
     */
    public static Footer parse(byte[] tail, long blobSize) throws CorruptLayerException {
        if (tail.length > blobSize) {
            throw new IllegalArgumentException("tail of " + tail.length + " bytes from a blob of " + blobSize);
        }
        for (Format format : Format.values()) {
            if (tail.length >= format.size) {
                Optional<Footer> found = tryParse(tail, tail.length - format.size, format);
                if (found.isPresent()) {
                    return checkedAgainst(found.get(), blobSize);
                }
            }
        }
        throw new CorruptLayerException(NOT_ESTARGZ, "no eStargz (51-byte) or stargz (47-byte) footer at the end"
                + " of the " + blobSize + "-byte blob");
    }

    /** The footer's length in bytes. */
    public int size() {
        return format.size;
    }

    /** The length of the TOC section, {@code [tocOffset, blobSize - size())}, in a blob of {@code blobSize} bytes. */
    public long tocLength(long blobSize) {
        return blobSize - format.size - tocOffset;
    }

    /** This footer's bytes, as a writer appends them to a blob. */
    public byte[] toBytes() {
        byte[] out = new byte[format.size];
        out[0] = 0x1f;
        out[1] = (byte) 0x8b;
        out[2] = 8;
        out[3] = FEXTRA;
        out[9] = (byte) 0xff; // OS: unknown, as the reference writer sets it
        out[GZIP_HEADER] = (byte) format.extraLength;
        int data = GZIP_HEADER + 2;
        if (format == Format.ESTARGZ) {
            out[data] = 'S';
            out[data + 1] = 'G';
            out[data + 2] = PAYLOAD;
            data += 4;
        }
        String hex = String.format("%016x", tocOffset);
        System.arraycopy(hex.getBytes(StandardCharsets.US_ASCII), 0, out, data, HEX_DIGITS);
        System.arraycopy(MAGIC, 0, out, data + HEX_DIGITS, MAGIC.length);
        System.arraycopy(EMPTY_STORED_BLOCK, 0, out, data + PAYLOAD, EMPTY_STORED_BLOCK.length);
        return out; // CRC32 and ISIZE of the empty member are both zero
    }

    /**
     * Empty if the bytes at {@code off} do not even look like this footer; a footer if they are
     * one. Once the gzip header, Extra length and {@code STARGZ} magic match, anything else wrong
     * is malformed rather than "not mine".
     */
    private static Optional<Footer> tryParse(byte[] b, int off, Format format) throws CorruptLayerException {
        if (b[off] != 0x1f || b[off + 1] != (byte) 0x8b || b[off + 2] != 8 || b[off + 3] != FEXTRA
                || le16(b, off + GZIP_HEADER) != format.extraLength) {
            return Optional.empty();
        }
        int data = off + GZIP_HEADER + 2;
        if (format == Format.ESTARGZ) {
            if (b[data] != 'S' || b[data + 1] != 'G' || le16(b, data + 2) != PAYLOAD) {
                return Optional.empty();
            }
            data += 4;
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (b[data + HEX_DIGITS + i] != MAGIC[i]) {
                return Optional.empty();
            }
        }
        long tocOffset = parseHex(b, data);
        requireEmptyMember(b, data + PAYLOAD, off + format.size);
        return Optional.of(new Footer(format, tocOffset));
    }

    private static long parseHex(byte[] b, int from) throws CorruptLayerException {
        long value = 0;
        for (int i = from; i < from + HEX_DIGITS; i++) {
            int digit = Character.digit(b[i], 16);
            if (digit < 0 || b[i] < 0) {
                throw new CorruptLayerException(MALFORMED_FOOTER, "TOC offset '"
                        + CorruptLayerException.printable(new String(b, from, HEX_DIGITS, StandardCharsets.ISO_8859_1))
                        + "' is not 16 hex digits");
            }
            if (value >>> 59 != 0) {
                throw new CorruptLayerException(MALFORMED_FOOTER, "TOC offset does not fit in 63 bits");
            }
            value = value << 4 | digit;
        }
        return value;
    }

    /** The deflate data and trailer must be an empty member: no output, CRC32 0, ISIZE 0. */
    private static void requireEmptyMember(byte[] b, int from, int end) throws CorruptLayerException {
        int trailer = end - GZIP_TRAILER;
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(b, from, trailer - from);
            int produced = inflater.inflate(new byte[1]);
            if (produced != 0 || !inflater.finished() || inflater.getRemaining() != 0) {
                throw new CorruptLayerException(MALFORMED_FOOTER, "the footer's gzip member is not empty");
            }
        } catch (DataFormatException e) {
            throw new CorruptLayerException(MALFORMED_FOOTER, "the footer's deflate data is invalid", e);
        } finally {
            inflater.end();
        }
        for (int i = trailer; i < end; i++) {
            if (b[i] != 0) {
                throw new CorruptLayerException(MALFORMED_FOOTER, "the footer's gzip trailer is not all zero");
            }
        }
    }

    private static Footer checkedAgainst(Footer footer, long blobSize) throws CorruptLayerException {
        if (footer.tocLength(blobSize) <= 0) {
            throw new CorruptLayerException(OFFSET_OUT_OF_BLOB, "TOC offset " + footer.tocOffset
                    + " leaves no room for a TOC before the footer of the " + blobSize + "-byte blob");
        }
        return footer;
    }

    private static int le16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }
}
