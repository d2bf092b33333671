package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.MALFORMED_TOC;
import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_TOO_LARGE;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * The first entry of the tar inside the TOC's gzip member, which must be the regular file
 * {@code stargz.index.json}: its header is parsed (ustar, with PAX {@code path}/{@code size}
 * records or a GNU long name in front, as any tar writer may emit) and its content is streamed,
 * exactly as many bytes as the header declares and no more.
 *
 * <p>Not thread-safe; one per read of a TOC section.
 */
final class TocTarEntry extends InputStream {
    static final String NAME = "stargz.index.json";

    private static final int BLOCK = 512;
    private static final int MAX_EXTENSION_BYTES = 64 << 10;
    private static final int MAX_EXTENSION_HEADERS = 4;

    private final InputStream tar;
    private final long size;
    private long remaining;

    private TocTarEntry(InputStream tar, long size) {
        this.tar = tar;
        this.size = size;
        this.remaining = size;
    }

    /**
     * Reads headers from {@code tar} up to the TOC's content.
     *
     * @throws CorruptLayerException {@code MALFORMED_TOC} if the first file is not
     *     {@code stargz.index.json}, {@code TOC_TOO_LARGE} if it is larger than {@code maxBytes}
     * @throws IOException if {@code tar} cannot be read (for a gzip stream: corrupt)
     */
    static TocTarEntry open(InputStream tar, long maxBytes) throws CorruptLayerException, IOException {
        String paxPath = null;
        long paxSize = -1;
        for (int headers = 0; headers <= MAX_EXTENSION_HEADERS; headers++) {
            byte[] header = tar.readNBytes(BLOCK);
            if (header.length < BLOCK) {
                throw new CorruptLayerException(MALFORMED_TOC, "the TOC's tar header is truncated");
            }
            requireChecksum(header);
            long size = size(header);
            byte flag = header[156];
            if (flag == 'x' || flag == 'g' || flag == 'L') {
                byte[] content = extension(tar, size);
                if (flag == 'L') {
                    paxPath = field(content, 0, content.length);
                } else if (flag == 'x') {
                    String path = paxValue(content, "path");
                    paxPath = path != null ? path : paxPath;
                    String sizeText = paxValue(content, "size");
                    paxSize = sizeText != null ? decimal(sizeText) : paxSize;
                }
                continue;
            }
            String name = paxPath != null ? paxPath : name(header);
            if (!NAME.equals(name) || (flag != '0' && flag != 0)) {
                throw new CorruptLayerException(MALFORMED_TOC, "the TOC's tar holds '"
                        + CorruptLayerException.printable(name) + "' (type " + (char) flag + ") first, not " + NAME);
            }
            long contentSize = paxSize >= 0 ? paxSize : size;
            if (contentSize > maxBytes) {
                throw new CorruptLayerException(TOC_TOO_LARGE, "TOC JSON of " + contentSize
                        + " bytes exceeds the limit of " + maxBytes);
            }
            return new TocTarEntry(tar, contentSize);
        }
        throw new CorruptLayerException(MALFORMED_TOC, "too many tar extension headers before " + NAME);
    }

    /** The content length the header declares. */
    long size() {
        return size;
    }

    /** Whether every declared byte has been read. */
    boolean exhausted() {
        return remaining == 0;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (remaining == 0) {
            return -1;
        }
        int n = tar.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
            throw new EOFException("the TOC ends " + remaining + " bytes before its declared size " + size);
        }
        remaining -= n;
        return n;
    }

    private static byte[] extension(InputStream tar, long size) throws CorruptLayerException, IOException {
        if (size > MAX_EXTENSION_BYTES) {
            throw new CorruptLayerException(MALFORMED_TOC, "a tar extension header of " + size + " bytes");
        }
        byte[] content = tar.readNBytes((int) size);
        long padding = (BLOCK - size % BLOCK) % BLOCK;
        if (content.length < size || tar.readNBytes((int) padding).length < padding) {
            throw new CorruptLayerException(MALFORMED_TOC, "the TOC's tar is truncated");
        }
        return content;
    }

    /** The value of {@code key} in PAX records ({@code "<length> <key>=<value>\n"}, length in bytes), or null. */
    private static String paxValue(byte[] content, String key) throws CorruptLayerException {
        String found = null;
        int at = 0;
        while (at < content.length) {
            int space = at;
            long length = 0;
            while (space < content.length && content[space] >= '0' && content[space] <= '9' && length < BLOCK * 256) {
                length = length * 10 + (content[space++] - '0');
            }
            int end = (int) Math.min(at + length, Integer.MAX_VALUE);
            if (space == at || space >= content.length || content[space] != ' ' || end > content.length
                    || end <= space + 1 || content[end - 1] != '\n') {
                throw new CorruptLayerException(MALFORMED_TOC, "malformed PAX record in the TOC's tar");
            }
            String record = new String(content, space + 1, end - space - 2, StandardCharsets.UTF_8);
            int equals = record.indexOf('=');
            if (equals > 0 && record.substring(0, equals).equals(key)) {
                found = record.substring(equals + 1);
            }
            at = end;
        }
        return found;
    }

    private static long decimal(String text) throws CorruptLayerException {
        if (text.isEmpty() || text.length() > 18 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new CorruptLayerException(MALFORMED_TOC, "PAX size '" + CorruptLayerException.printable(text)
                    + "' is not a decimal number");
        }
        return Long.parseLong(text);
    }

    private static String name(byte[] header) {
        String name = field(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r';
        String prefix = ustar ? field(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private static long size(byte[] header) throws CorruptLayerException {
        if ((header[124] & 0x80) != 0) { // GNU base-256: big-endian, top bit of the first byte is the marker
            long value = header[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                if (value >>> 55 != 0) {
                    throw new CorruptLayerException(MALFORMED_TOC, "tar size does not fit in 63 bits");
                }
                value = value << 8 | (header[i] & 0xff);
            }
            return value;
        }
        return octal(header, 124, 12, "size");
    }

    private static void requireChecksum(byte[] header) throws CorruptLayerException {
        long expected = octal(header, 148, 8, "checksum");
        long unsigned = 0;
        long signed = 0;
        for (int i = 0; i < BLOCK; i++) {
            byte b = i >= 148 && i < 156 ? (byte) ' ' : header[i];
            unsigned += b & 0xff;
            signed += b;
        }
        if (expected != unsigned && expected != signed) {
            throw new CorruptLayerException(MALFORMED_TOC, "the TOC's tar header checksum does not match"
                    + (unsigned == 8 * ' ' ? " (an empty tar)" : ""));
        }
    }

    private static long octal(byte[] header, int from, int length, String what) throws CorruptLayerException {
        String text = field(header, from, length).trim();
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '7' || value >>> 60 != 0) {
                throw new CorruptLayerException(MALFORMED_TOC, "tar header " + what + " is not octal");
            }
            value = value << 3 | (c - '0');
        }
        return value;
    }

    private static String field(byte[] header, int from, int length) {
        int end = from;
        while (end < from + length && header[end] != 0) {
            end++;
        }
        return new String(header, from, end - from, StandardCharsets.UTF_8);
    }
}
