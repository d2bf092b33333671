package org.cvmfsstargz.stargz.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.zip.GZIPOutputStream;

/**
 * A tiny eStargz writer for tests: real gzip members, real ustar headers, a TOC the way the
 * reference writer lays it out (payloads start members, chunk entries, chunkDigest, landmarks,
 * optional {@code innerOffset} grouping), a 51- or 47-byte footer. Hooks edit the TOC entries or
 * its JSON text to plant traps. Not thread-safe.
 */
public final class TestBlob {
    public static final String MODTIME = "2024-01-02T03:04:05Z";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A written blob and what a test needs to know about it. */
    public record Built(byte[] blob, byte[] tocJson, long tocOffset, Footer.Format format) {
        public Digest tocDigest() {
            return Digest.sha256(tocJson);
        }

        public Footer footer() throws CorruptLayerException {
            return Footer.parse(Arrays.copyOfRange(blob, Math.max(0, blob.length - Footer.MAX_SIZE), blob.length),
                    blob.length);
        }

        public byte[] tocSection() throws CorruptLayerException {
            Footer footer = footer();
            return Arrays.copyOfRange(blob, (int) footer.tocOffset(), blob.length - footer.size());
        }

        public Toc read() throws CorruptLayerException {
            return read(TocLimits.defaults(), Optional.of(tocDigest()));
        }

        public Toc read(TocLimits limits, Optional<Digest> expected) throws CorruptLayerException {
            return new TocReader(limits).read(tocSection(), footer(), blob.length, expected);
        }

        /** The file's content, read chunk by chunk from the blob through the verifier. */
        public byte[] content(Toc toc, TocEntry file) throws CorruptLayerException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Chunk chunk : toc.chunks(file.inode())) {
                byte[] compressed = Arrays.copyOfRange(blob, (int) chunk.offset(), (int) chunk.compressedEnd());
                out.writeBytes(new ChunkVerifier(true).read(file, chunk, compressed));
            }
            return out.toByteArray();
        }
    }

    private record Item(String type, String name, byte[] content, String target, int major, int minor,
            Map<String, Object> extra) {
    }

    private final List<Item> items = new ArrayList<>();
    private int chunkSize = Integer.MAX_VALUE;
    private int minChunkSize;
    private Footer.Format format = Footer.Format.ESTARGZ;
    private Consumer<List<Map<String, Object>>> entryEdit = entries -> { };
    private UnaryOperator<String> jsonEdit = UnaryOperator.identity();

    public static TestBlob layer() {
        return new TestBlob();
    }

    /**
     * A blob whose TOC is {@code json} verbatim, after 64 KiB of incompressible payload bytes in
     * one gzip member at offset 0 (so offsets below about 65,000 are inside the data region).
     */
    public static Built withToc(String json) {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        byte[] filler = new byte[64 << 10];
        new Random(42).nextBytes(filler);
        try (GZIPOutputStream gz = new GZIPOutputStream(new TarGzWriter.KeepOpen(blob))) {
            gz.write(filler);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return finish(blob, json.getBytes(StandardCharsets.UTF_8), Footer.Format.ESTARGZ);
    }

    public TestBlob dir(String name) {
        return add("dir", name, null, null, Map.of());
    }

    public TestBlob file(String name, byte[] content) {
        return add("reg", name, content, null, Map.of());
    }

    public TestBlob file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8));
    }

    /** A file with extra or overriding TOC keys, e.g. {@code uid}, {@code userName}, {@code xattrs}. */
    public TestBlob file(String name, String content, Map<String, Object> extra) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), extra);
    }

    /** A file with extra or overriding TOC keys, e.g. {@code mode}. */
    public TestBlob file(String name, byte[] content, Map<String, Object> extra) {
        return add("reg", name, content, null, extra);
    }

    public TestBlob symlink(String name, String target) {
        return add("symlink", name, null, target, Map.of());
    }

    public TestBlob hardlink(String name, String target) {
        return add("hardlink", name, null, target, Map.of());
    }

    public TestBlob fifo(String name) {
        return add("fifo", name, null, null, Map.of());
    }

    public TestBlob device(String type, String name, int major, int minor) {
        items.add(new Item(type, name, null, null, major, minor, Map.of()));
        return this;
    }

    /** The landmark file, one byte 0x0f, always at the start of its own gzip member. */
    public TestBlob landmark(String name) {
        return add("reg", name, new byte[] {0x0f}, null, Map.of("landmark", true));
    }

    public TestBlob chunkSize(int size) {
        this.chunkSize = size;
        return this;
    }

    /** Lets payloads share a gzip member until it holds this many uncompressed bytes ({@code innerOffset}). */
    public TestBlob minChunkSize(int size) {
        this.minChunkSize = size;
        return this;
    }

    public TestBlob legacyFooter() {
        this.format = Footer.Format.LEGACY_STARGZ;
        return this;
    }

    /** Edits the TOC entries (maps in TOC order) before they are serialised. */
    public TestBlob editEntries(Consumer<List<Map<String, Object>>> edit) {
        this.entryEdit = edit;
        return this;
    }

    /** Edits the serialised TOC JSON text. */
    public TestBlob editJson(UnaryOperator<String> edit) {
        this.jsonEdit = edit;
        return this;
    }

    private TestBlob add(String type, String name, byte[] content, String target, Map<String, Object> extra) {
        items.add(new Item(type, name, content, target, 0, 0, extra));
        return this;
    }

    public Built build() {
        TarGzWriter.Members members = new TarGzWriter.Members();
        List<Map<String, Object>> entries = new ArrayList<>();
        for (Item item : items) {
            Map<String, Object> entry = entry(item);
            entries.add(entry);
            char tarType = switch (item.type()) {
                case "dir" -> '5';
                case "symlink" -> '2';
                case "hardlink" -> '1';
                case "char" -> '3';
                case "block" -> '4';
                case "fifo" -> '6';
                default -> '0';
            };
            long size = item.content() == null ? 0 : item.content().length;
            members.write(TarGzWriter.tarHeader(item.name(), tarType, size, item.target()));
            if (size > 0) {
                payload(members, item, entry, entries);
            }
        }
        entryEdit.accept(entries);
        Map<String, Object> toc = new LinkedHashMap<>();
        toc.put("version", 1);
        toc.put("entries", entries);
        byte[] json;
        try {
            json = jsonEdit.apply(JSON.writeValueAsString(toc)).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return finish(members.close(), json, format);
    }

    private void payload(TarGzWriter.Members members, Item item, Map<String, Object> entry,
            List<Map<String, Object>> entries) {
        byte[] content = item.content();
        boolean landmark = item.extra().containsKey("landmark");
        entry.remove("landmark");
        entry.put("digest", Digest.sha256(content).value());
        for (int from = 0; from < content.length; from += chunkSize) {
            int to = (int) Math.min((long) from + chunkSize, content.length);
            Map<String, Object> chunk = from == 0 ? entry : new LinkedHashMap<>();
            if (from > 0) {
                chunk.put("name", item.name());
                chunk.put("type", "chunk");
                chunk.put("chunkOffset", from);
                entries.add(chunk);
            }
            if (landmark || minChunkSize == 0 || members.memberBytes >= minChunkSize) {
                members.next();
            }
            chunk.put("offset", members.memberStart);
            if (members.memberBytes > 0) {
                chunk.put("innerOffset", members.memberBytes);
            }
            if (to < content.length) {
                chunk.put("chunkSize", to - from); // the last chunk leaves it out: "to the end of the file"
            }
            byte[] piece = Arrays.copyOfRange(content, from, to);
            chunk.put("chunkDigest", Digest.sha256(piece).value());
            members.write(piece);
        }
        members.write(new byte[(int) ((512 - content.length % 512) % 512)]);
    }

    private static Map<String, Object> entry(Item item) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", item.name());
        entry.put("type", item.type());
        if (item.content() != null && item.content().length > 0) {
            entry.put("size", item.content().length);
        }
        entry.put("modtime", MODTIME);
        switch (item.type()) {
            case "symlink", "hardlink" -> entry.put("linkName", item.target());
            case "char", "block" -> {
                entry.put("devMajor", item.major());
                entry.put("devMinor", item.minor());
            }
            default -> { }
        }
        entry.put("mode", item.type().equals("dir") ? 0755 : item.type().equals("symlink") ? 0777 : 0644);
        entry.putAll(item.extra());
        return entry;
    }

    public static String base64(String value) {
        return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static Built finish(ByteArrayOutputStream blob, byte[] json, Footer.Format format) {
        long tocOffset = blob.size();
        blob.writeBytes(TarGzWriter.tocSection(json));
        blob.writeBytes(new Footer(format, tocOffset).toBytes());
        return new Built(blob.toByteArray(), json, tocOffset, format);
    }
}
