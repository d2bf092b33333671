package org.cvmfsstargz.it.support;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds a linux/amd64 OCI image archive (a tar of an OCI image layout) entirely in memory, with
 * no network and no tool but the JDK, so a test controls every byte of every layer, including
 * whiteouts, opaque directories and extended attributes. The archive is what {@code ctr images
 * import} reads.
 *
 * <p>Not thread-safe; one builder per image.
 */
public final class OciImageBuilder {
    private static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    private static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    private static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";

    private final String name;
    /** Each layer as it goes into the archive: its gzip blob and its diffID. */
    private record LayerBlob(byte[] compressed, String diffId) {}

    private final List<LayerBlob> layers = new ArrayList<>();
    private List<String> cmd = List.of("/bin/sh");

    private OciImageBuilder(String name) {
        this.name = name;
    }

    /** {@code name} is the full reference containerd will know the image by, e.g. {@code 127.0.0.1:5000/it/a:1}. */
    public static OciImageBuilder image(String name) {
        return new OciImageBuilder(name);
    }

    /** Appends a layer on top of those added before, as it is now (later changes to it are not seen). */
    public OciImageBuilder layer(Layer layer) throws IOException {
        byte[] tar = layer.tar();
        layers.add(new LayerBlob(gzip(tar), sha256(tar)));
        return this;
    }

    /**
     * Appends a layer whose gzip blob was written elsewhere (e.g. a stargz layer: several gzip
     * members); its diffID is the digest of the whole decompressed stream, as containerd computes it.
     */
    public OciImageBuilder compressedLayer(byte[] gzipBlob) throws IOException {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gzipBlob))) {
            layers.add(new LayerBlob(gzipBlob.clone(), sha256(in.readAllBytes())));
        }
        return this;
    }

    /** The config's default command. */
    public OciImageBuilder cmd(String... cmd) {
        this.cmd = List.of(cmd);
        return this;
    }

    /** What was built: enough for tests to predict the snapshots containerd will ask for. */
    public record Image(String name, Path archive, List<String> layerDigests, List<String> diffIds,
            List<String> chainIds) {
        public Image {
            layerDigests = List.copyOf(layerDigests);
            diffIds = List.copyOf(diffIds);
            chainIds = List.copyOf(chainIds);
        }
    }

    /** Writes the archive to {@code archive} and describes the image. */
    public Image writeArchive(Path archive) throws IOException {
        if (layers.isEmpty()) {
            throw new IllegalStateException("image " + name + " needs at least one layer");
        }
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        List<String> diffIds = new ArrayList<>();
        List<String> layerDigests = new ArrayList<>();
        StringBuilder layerDescriptors = new StringBuilder();
        for (LayerBlob layer : layers) {
            String digest = put(blobs, layer.compressed());
            layerDigests.add(digest);
            diffIds.add(layer.diffId());
            layerDescriptors.append(layerDescriptors.isEmpty() ? "" : ",")
                    .append(descriptor(LAYER_TYPE, digest, layer.compressed().length));
        }
        String config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=/bin:/usr/bin\"],"
                + "\"Cmd\":" + jsonArray(cmd) + "},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":" + jsonArray(diffIds) + "}}";
        byte[] configBytes = utf8(config);
        String configDigest = put(blobs, configBytes);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"config\":"
                + descriptor(CONFIG_TYPE, configDigest, configBytes.length) + ",\"layers\":[" + layerDescriptors + "]}";
        byte[] manifestBytes = utf8(manifest);
        String manifestDigest = put(blobs, manifestBytes);
        String tag = name.substring(name.lastIndexOf(':') + 1);
        String index = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{"
                + "\"mediaType\":\"" + MANIFEST_TYPE + "\",\"digest\":\"" + manifestDigest + "\",\"size\":" + manifestBytes.length
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"},\"annotations\":{"
                + "\"io.containerd.image.name\":" + json(name) + ",\"org.opencontainers.image.ref.name\":" + json(tag) + "}}]}";

        Layer layout = new Layer()
                .file("oci-layout", utf8("{\"imageLayoutVersion\":\"1.0.0\"}"), 0644)
                .file("index.json", utf8(index), 0644);
        blobs.forEach((digest, bytes) -> layout.file("blobs/sha256/" + digest.substring("sha256:".length()), bytes, 0644));
        Files.write(archive, layout.tar());
        return new Image(name, archive, layerDigests, diffIds, chainIds(diffIds));
    }

    /** containerd's chainID: the first diffID, then sha256 of "parentChain diffID" per layer. */
    private static List<String> chainIds(List<String> diffIds) {
        List<String> chain = new ArrayList<>();
        for (String diffId : diffIds) {
            chain.add(chain.isEmpty() ? diffId : sha256(utf8(chain.getLast() + " " + diffId)));
        }
        return chain;
    }

    private static String put(Map<String, byte[]> blobs, byte[] bytes) {
        String digest = sha256(bytes);
        blobs.put(digest, bytes);
        return digest;
    }

    private static String descriptor(String mediaType, String digest, long size) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + digest + "\",\"size\":" + size + "}";
    }

    private static String jsonArray(List<String> values) {
        return values.stream().map(OciImageBuilder::json).collect(Collectors.joining(",", "[", "]"));
    }

    /** Enough JSON string escaping for the names and commands tests use. */
    private static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 2 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /** {@code sha256:<hex>} of {@code bytes}, as OCI digests are written. */
    public static String sha256(byte[] bytes) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * One layer's changes, in the order they go into its tar. Paths are relative ("etc/a"); missing
     * parent directories are added as 0755 entries so the tar reads like one a real builder writes.
     */
    public static final class Layer {
        /** {@code xattrs}: name to value, in the order the PAX header lists them. */
        private record Entry(String path, char type, int mode, byte[] content, String link, int uid, int gid,
                Map<String, byte[]> xattrs) {
            Entry(String path, char type, int mode, byte[] content, String link, int uid, int gid) {
                this(path, type, mode, content, link, uid, gid, Map.of());
            }

            Entry(String path, char type, int mode, byte[] content, String link) {
                this(path, type, mode, content, link, 0, 0);
            }
        }

        private final List<Entry> entries = new ArrayList<>();

        /**
         * The host's static busybox as /bin/busybox, /bin/sh a symlink to it and /bin/ls a hardlink
         * (both link kinds must survive unpacking), plus the directories runc mounts over.
         */
        public static Layer busyboxBase() throws IOException {
            Layer layer = new Layer()
                    .file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), 0755)
                    .hardlink("bin/ls", "bin/busybox");
            for (String applet : List.of("sh", "cat", "echo", "test", "mkdir", "rm", "sleep", "stat", "wc", "sha256sum",
                    "find", "sort", "readlink", "xargs")) {
                layer.symlink("bin/" + applet, "busybox");
            }
            for (String dir : List.of("etc", "dev", "proc", "sys", "root", "run")) {
                layer.dir(dir, 0755);
            }
            return layer.dir("tmp", 01777);
        }

        /** {@code size} pseudo-random bytes, the same for the same seed; gzip cannot shrink them. */
        public static byte[] randomBytes(long seed, int size) {
            byte[] bytes = new byte[size];
            new SplittableRandom(seed).nextBytes(bytes);
            return bytes;
        }

        public Layer dir(String path, int mode) {
            return add(new Entry(path, '5', mode, new byte[0], ""));
        }

        public Layer file(String path, String content) {
            return file(path, utf8(content), 0644);
        }

        public Layer file(String path, byte[] content, int mode) {
            return add(new Entry(path, '0', mode, content.clone(), ""));
        }

        /** A file owned by {@code uid}:{@code gid} (numeric ids only, as containers see them). */
        public Layer file(String path, byte[] content, int mode, int uid, int gid) {
            return add(new Entry(path, '0', mode, content.clone(), "", uid, gid));
        }

        public Layer dir(String path, int mode, int uid, int gid) {
            return add(new Entry(path, '5', mode, new byte[0], "", uid, gid));
        }

        public Layer symlink(String path, String target) {
            return add(new Entry(path, '2', 0777, new byte[0], target));
        }

        /** {@code target} is the other path inside the layer, as tar stores it. */
        public Layer hardlink(String path, String target) {
            return add(new Entry(path, '1', 0755, new byte[0], target));
        }

        /**
         * Gives the entry last added at {@code path} the extended attribute {@code name} (e.g.
         * {@code user.test}), written as a PAX {@code SCHILY.xattr.<name>} record, the form GNU tar,
         * Go's archive/tar (so containerd and the eStargz converter) read xattrs from.
         */
        public Layer xattr(String path, String name, byte[] value) {
            if (name.isEmpty() || name.contains("=") || name.contains("\u0000")) {
                throw new IllegalArgumentException("invalid xattr name '" + name + "'");
            }
            for (int i = entries.size() - 1; i >= 0; i--) {
                Entry e = entries.get(i);
                if (e.path().equals(path)) {
                    Map<String, byte[]> xattrs = new LinkedHashMap<>(e.xattrs());
                    xattrs.put(name, value.clone());
                    entries.set(i, new Entry(e.path(), e.type(), e.mode(), e.content(), e.link(), e.uid(), e.gid(),
                            Collections.unmodifiableMap(xattrs)));
                    return this;
                }
            }
            throw new IllegalArgumentException("no entry " + path + " in this layer to put xattr " + name + " on");
        }

        /** Deletes {@code path} of a lower layer: the OCI whiteout {@code .wh.<name>}. */
        public Layer whiteout(String path) {
            int slash = path.lastIndexOf('/');
            return add(new Entry(path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1), '0', 0644, new byte[0], ""));
        }

        /** Hides everything lower layers put in {@code dir}: the OCI opaque marker {@code .wh..wh..opq}. */
        public Layer opaque(String dir) {
            return add(new Entry(dir + "/.wh..wh..opq", '0', 0644, new byte[0], ""));
        }

        private Layer add(Entry entry) {
            if (entry.path().startsWith("/") || entry.path().length() > 99) {
                throw new IllegalArgumentException("tar paths here are relative and under 100 bytes: " + entry.path());
            }
            String parent = entry.path().contains("/") ? entry.path().substring(0, entry.path().lastIndexOf('/')) : "";
            if (!parent.isEmpty() && entries.stream().noneMatch(e -> e.path().equals(parent))) {
                dir(parent, 0755);
            }
            entries.add(entry);
            return this;
        }

        byte[] tar() throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Entry entry : entries) {
                String path = entry.type() == '5' ? entry.path() + "/" : entry.path();
                if (!entry.xattrs().isEmpty()) {
                    writePaxHeader(out, entry);
                }
                out.write(ustarHeader(path, entry));
                out.write(entry.content());
                pad(out, entry.content().length);
            }
            out.write(new byte[1024]); // two zero blocks end the archive
            return out.toByteArray();
        }

        /**
         * The PAX extended header ('x') that precedes {@code entry}'s own header: one
         * {@code "<length> SCHILY.xattr.<name>=<value>\n"} record per xattr, where the length counts
         * the whole record including its own digits (POSIX.1-2001 pax format).
         */
        private static void writePaxHeader(ByteArrayOutputStream out, Entry entry) throws IOException {
            ByteArrayOutputStream records = new ByteArrayOutputStream();
            for (Map.Entry<String, byte[]> xattr : entry.xattrs().entrySet()) {
                byte[] key = utf8(" SCHILY.xattr." + xattr.getKey() + "=");
                int rest = key.length + xattr.getValue().length + 1;
                int length = rest + 1;
                while (length != rest + String.valueOf(length).length()) {
                    length = rest + String.valueOf(length).length();
                }
                records.write(utf8(String.valueOf(length)));
                records.write(key);
                records.write(xattr.getValue());
                records.write('\n');
            }
            String name = entry.path().substring(entry.path().lastIndexOf('/') + 1);
            byte[] body = records.toByteArray();
            String paxPath = "PaxHeaders.0/" + name.substring(0, Math.min(name.length(), 80));
            Entry pax = new Entry(paxPath, 'x', 0644, body, "");
            out.write(ustarHeader(pax.path(), pax));
            out.write(body);
            pad(out, body.length);
        }

        /** A POSIX ustar header; mtime 0 so the same layer always has the same digest. */
        private static byte[] ustarHeader(String path, Entry entry) {
            byte[] h = new byte[512];
            put(h, 0, 100, utf8(path));
            put(h, 100, 8, octal(entry.mode(), 8));
            put(h, 108, 8, octal(entry.uid(), 8));
            put(h, 116, 8, octal(entry.gid(), 8));
            put(h, 124, 12, octal(entry.content().length, 12));
            put(h, 136, 12, octal(0, 12));
            h[156] = (byte) entry.type();
            put(h, 157, 100, utf8(entry.link()));
            put(h, 257, 8, utf8("ustar\u000000"));
            put(h, 265, 32, utf8(entry.uid() == 0 ? "root" : ""));
            put(h, 297, 32, utf8(entry.gid() == 0 ? "root" : ""));
            // The checksum is computed with its own field read as eight spaces.
            put(h, 148, 8, utf8("        "));
            long sum = 0;
            for (byte b : h) {
                sum += b & 0xff;
            }
            put(h, 148, 8, utf8(String.format("%06o", sum) + "\u0000 "));
            return h;
        }

        private static byte[] octal(long value, int width) {
            return utf8(String.format("%0" + (width - 1) + "o", value) + "\u0000");
        }

        private static void put(byte[] header, int offset, int width, byte[] value) {
            if (value.length > width) {
                throw new IllegalArgumentException("tar field of " + width + " bytes cannot hold " + value.length);
            }
            System.arraycopy(value, 0, header, offset, value.length);
        }

        private static void pad(OutputStream out, long size) throws IOException {
            int rest = (int) (size % 512);
            if (rest != 0) {
                out.write(new byte[512 - rest]);
            }
        }
    }
}
