package org.cvmfsstargz.stargz.convert;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;

/**
 * Writes a small eStargz blob in memory, laid out as the reference converter lays it out: each
 * payload chunk starts a gzip member (the tar header before it ends the previous one), every
 * {@code reg} and {@code chunk} entry carries {@code offset} and {@code chunkDigest}, the TOC sits
 * in its own member as {@code stargz.index.json}, and the 51-byte footer ends the blob. For
 * synthetic layers (the daemon's training run, benchmarks), not for converting images: names must
 * fit a ustar header (100 bytes), and the whole blob is held in memory.
 *
 * <p>Not thread-safe; one writer makes one blob.
 */
public final class EstargzWriter {
    private static final String TOC_NAME = "stargz.index.json";
    private static final String MODTIME = "2024-01-01T00:00:00Z";
    private static final int BLOCK = 512;

    /** A written blob and the digest its manifest annotation would carry. */
    public record Blob(byte[] bytes, Digest tocDigest) {
        public Digest digest() {
            return Digest.sha256(bytes);
        }
    }

    private record Item(String name, char tarType, String tocType, byte[] content, String target) {}

    private final int chunkSize;
    private final List<Item> items = new ArrayList<>();

    /** @param chunkSize the largest chunk a file's payload is cut into */
    public EstargzWriter(int chunkSize) {
        if (chunkSize <= 0) {
            throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
        }
        this.chunkSize = chunkSize;
    }

    /** A directory; {@code name} ends with a slash. */
    public EstargzWriter directory(String name) {
        return add(new Item(name, '5', "dir", new byte[0], ""));
    }

    public EstargzWriter file(String name, byte[] content) {
        return add(new Item(name, '0', "reg", content.clone(), ""));
    }

    public EstargzWriter symlink(String name, String target) {
        return add(new Item(name, '2', "symlink", new byte[0], target));
    }

    private EstargzWriter add(Item item) {
        if (item.name().getBytes(StandardCharsets.UTF_8).length > 100
                || item.target().getBytes(StandardCharsets.UTF_8).length > 100) {
            throw new IllegalArgumentException("name or link target longer than a ustar header holds: " + item.name());
        }
        items.add(item);
        return this;
    }

    public Blob write() {
        try {
            Members members = new Members();
            ByteArrayOutputStream json = new ByteArrayOutputStream();
            try (JsonGenerator toc = new JsonFactory().createGenerator(json)) {
                toc.writeStartObject();
                toc.writeNumberField("version", 1);
                toc.writeArrayFieldStart("entries");
                for (Item item : items) {
                    members.write(tarHeader(item.name(), item.tarType(), item.content().length, item.target()));
                    writeEntry(toc, item, members);
                }
                toc.writeEndArray();
                toc.writeEndObject();
            }
            byte[] tocJson = json.toByteArray();
            long tocOffset = members.next();
            members.write(tarHeader(TOC_NAME, '0', tocJson.length, ""));
            members.write(tocJson);
            members.write(new byte[padding(tocJson.length) + 2 * BLOCK]);
            ByteArrayOutputStream blob = members.finish();
            blob.writeBytes(new Footer(Footer.Format.ESTARGZ, tocOffset).toBytes());
            return new Blob(blob.toByteArray(), Digest.sha256(tocJson));
        } catch (IOException e) {
            throw new UncheckedIOException("writing to memory failed", e);
        }
    }

    private void writeEntry(JsonGenerator toc, Item item, Members members) throws IOException {
        byte[] content = item.content();
        toc.writeStartObject();
        toc.writeStringField("name", item.name());
        toc.writeStringField("type", item.tocType());
        toc.writeStringField("modtime", MODTIME);
        toc.writeNumberField("mode", switch (item.tarType()) {
            case '5' -> 0755;
            case '2' -> 0777;
            default -> 0644;
        });
        if (!item.target().isEmpty()) {
            toc.writeStringField("linkName", item.target());
        }
        if (content.length == 0) {
            toc.writeEndObject();
            return;
        }
        toc.writeNumberField("size", content.length);
        toc.writeStringField("digest", Digest.sha256(content).value());
        for (int from = 0; from < content.length; from += chunkSize) {
            int to = Math.min(content.length, from + chunkSize);
            if (from > 0) {
                toc.writeEndObject();
                toc.writeStartObject();
                toc.writeStringField("name", item.name());
                toc.writeStringField("type", "chunk");
                toc.writeNumberField("chunkOffset", from);
            }
            toc.writeNumberField("offset", members.next());
            if (to < content.length) {
                toc.writeNumberField("chunkSize", to - from); // the last chunk runs to the end of the file
            }
            byte[] piece = Arrays.copyOfRange(content, from, to);
            toc.writeStringField("chunkDigest", Digest.sha256(piece).value());
            members.write(piece);
        }
        members.write(new byte[padding(content.length)]);
        toc.writeEndObject();
    }

    private static int padding(long length) {
        return (int) ((BLOCK - length % BLOCK) % BLOCK);
    }

    /** A ustar header, owner 0:0 and time 0; the TOC carries the real attributes. */
    private static byte[] tarHeader(String name, char type, long size, String target) {
        TarArchiveEntry entry = new TarArchiveEntry(name, (byte) type);
        entry.setSize(size);
        entry.setModTime(FileTime.fromMillis(0));
        entry.setLinkName(target);
        byte[] header = new byte[BLOCK];
        entry.writeEntryHeader(header);
        return header;
    }

    /** gzip members end to end: {@link #next} closes the current member and starts another. */
    private static final class Members {
        private final ByteArrayOutputStream blob = new ByteArrayOutputStream();
        private GZIPOutputStream member;

        Members() throws IOException {
            member = new GZIPOutputStream(new KeepOpen(blob));
        }

        /** Ends the current member; returns the offset where the next one starts. */
        long next() throws IOException {
            member.finish();
            long start = blob.size(); // before the new member's gzip header, which its constructor writes
            member = new GZIPOutputStream(new KeepOpen(blob));
            return start;
        }

        void write(byte[] bytes) throws IOException {
            member.write(bytes);
        }

        ByteArrayOutputStream finish() throws IOException {
            member.finish();
            return blob;
        }
    }

    /** Lets a gzip member end without closing the blob it is written to. */
    private static final class KeepOpen extends FilterOutputStream {
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
