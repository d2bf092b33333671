package org.cvmfsstargz.stargz.format;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** The byte-level plumbing of {@link TestBlob}: ustar headers and gzip members end to end. */
final class TarGzWriter {
    private TarGzWriter() {
    }

    /** A TOC section: one gzip member holding a tar of {@code json} as stargz.index.json, then the tar's end. */
    static byte[] tocSection(byte[] json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED); // the 300,000-entry TOC of TocMemoryTest is 70 MiB
            }
        }) {
            gz.write(tarHeader(TocTarEntry.NAME, '0', json.length, null));
            gz.write(json);
            gz.write(new byte[(512 - json.length % 512) % 512 + 1024]);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A ustar header; names up to 100 bytes only, which is all these tests need. */
    static byte[] tarHeader(String name, char type, long size, String linkName) {
        byte[] h = new byte[512];
        put(h, 0, name.length() > 100 ? name.substring(0, 100) : name);
        put(h, 100, String.format("%07o", 0644));
        put(h, 108, "0000000");
        put(h, 116, "0000000");
        put(h, 124, String.format("%011o", size));
        put(h, 136, String.format("%011o", 0));
        h[156] = (byte) type;
        if (linkName != null) {
            put(h, 157, linkName.length() > 100 ? linkName.substring(0, 100) : linkName);
        }
        put(h, 257, "ustar");
        put(h, 263, "00");
        Arrays.fill(h, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, String.format("%06o", sum));
        h[154] = 0;
        return h;
    }

    private static void put(byte[] h, int at, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, h, at, bytes.length);
    }

    /** gzip members end to end in one byte array. */
    static final class Members {
        final ByteArrayOutputStream blob = new ByteArrayOutputStream();
        GZIPOutputStream gz;
        long memberStart;
        long memberBytes;

        Members() {
            next();
        }

        void next() {
            try {
                if (gz != null) {
                    gz.finish();
                }
                memberStart = blob.size();
                memberBytes = 0;
                gz = new GZIPOutputStream(new KeepOpen(blob));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        void write(byte[] bytes) {
            try {
                gz.write(bytes);
                memberBytes += bytes.length;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        ByteArrayOutputStream close() {
            try {
                gz.finish();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return blob;
        }
    }

    static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
