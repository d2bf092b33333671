package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A benchmark image written as an OCI image layout directory ({@code oci-layout},
 * {@code index.json}, {@code blobs/sha256/<hex>}), and what the benchmark needs to know of it
 * without parsing JSON: its blobs, sizes and counts. {@link #store} records this beside the
 * layout, so a later run with the same {@link ImageSpec} can reuse the image. Immutable.
 *
 * @param dir          the layout directory
 * @param specKey      {@link ImageSpec#key()} of the spec it was made from
 * @param manifest     the image manifest blob
 * @param config       the image config blob
 * @param layers       the layers, bottom (busybox) first
 * @param files        regular files in all layers together
 * @param fileBytes    their content, all together
 * @param probePath    the small file the benchmark's container prints (absolute, in the container)
 * @param probeContent what it holds
 */
public record BenchImage(Path dir, String specKey, Blob manifest, Blob config, List<Layer> layers, long files,
        long fileBytes, String probePath, String probeContent) {
    static final String DESCRIPTION_FILE = "bench-image.properties";
    private static final Pattern DIGEST = Pattern.compile("sha256:[0-9a-f]{64}");

    /** A content-addressed blob of the layout. */
    public record Blob(String digest, long size) {
        public Blob {
            if (!DIGEST.matcher(digest).matches() || size < 0) {
                throw new IllegalArgumentException("a sha256 digest and a size, got " + digest + " " + size);
            }
        }

        public String hex() {
            return digest.substring("sha256:".length());
        }
    }

    /**
     * One layer: its gzip blob as the registry serves it, and the tar inside.
     *
     * @param blob     the {@code tar+gzip} blob
     * @param diffId   the digest of the uncompressed tar
     * @param tarBytes the size of the uncompressed tar
     */
    public record Layer(Blob blob, String diffId, long tarBytes) {
        public Layer {
            if (!DIGEST.matcher(diffId).matches()) {
                throw new IllegalArgumentException("a sha256 diffID, got " + diffId);
            }
        }
    }

    public BenchImage {
        layers = List.copyOf(layers);
    }

    /** Where {@code blob} lies in the layout. */
    public Path blobPath(Blob blob) {
        return dir.resolve("blobs/sha256").resolve(blob.hex());
    }

    public long compressedBytes() {
        return layers.stream().mapToLong(l -> l.blob().size()).sum();
    }

    public long tarBytes() {
        return layers.stream().mapToLong(Layer::tarBytes).sum();
    }

    /** Writes {@value #DESCRIPTION_FILE} into the layout directory. */
    public void store() throws IOException {
        Properties p = new Properties();
        p.setProperty("spec", specKey);
        p.setProperty("manifest", manifest.digest() + " " + manifest.size());
        p.setProperty("config", config.digest() + " " + config.size());
        p.setProperty("layers", Integer.toString(layers.size()));
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            p.setProperty("layer." + i, l.blob().digest() + " " + l.blob().size() + " " + l.diffId() + " " + l.tarBytes());
        }
        p.setProperty("files", Long.toString(files));
        p.setProperty("file_bytes", Long.toString(fileBytes));
        p.setProperty("probe_path", probePath);
        p.setProperty("probe_content", probeContent);
        try (OutputStream out = Files.newOutputStream(dir.resolve(DESCRIPTION_FILE))) {
            p.store(out, "benchmark image; delete this directory to have it generated again");
        }
    }

    /**
     * The image stored in {@code dir} if it was made from a spec with key {@code specKey} and
     * every blob it names is there with its size; empty otherwise (then it is generated again).
     */
    public static Optional<BenchImage> load(Path dir, String specKey) {
        Path description = dir.resolve(DESCRIPTION_FILE);
        if (!Files.isRegularFile(description)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(description)) {
            p.load(in);
            if (!specKey.equals(p.getProperty("spec"))) {
                return Optional.empty();
            }
            List<Layer> layers = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("layers")); i++) {
                String[] f = p.getProperty("layer." + i).split(" ");
                layers.add(new Layer(new Blob(f[0], Long.parseLong(f[1])), f[2], Long.parseLong(f[3])));
            }
            BenchImage image = new BenchImage(dir, specKey, blob(p.getProperty("manifest")),
                    blob(p.getProperty("config")), layers, Long.parseLong(p.getProperty("files")),
                    Long.parseLong(p.getProperty("file_bytes")), p.getProperty("probe_path"),
                    p.getProperty("probe_content"));
            return image.complete() ? Optional.of(image) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // unreadable or from another version: made again
        }
    }

    private boolean complete() throws IOException {
        List<Blob> blobs = new ArrayList<>(List.of(manifest, config));
        layers.forEach(l -> blobs.add(l.blob()));
        for (Blob blob : blobs) {
            Path path = blobPath(blob);
            if (!Files.isRegularFile(path) || Files.size(path) != blob.size()) {
                return false;
            }
        }
        return Files.isRegularFile(dir.resolve("index.json"));
    }

    private static Blob blob(String digestAndSize) {
        String[] f = digestAndSize.split(" ");
        return new Blob(f[0], Long.parseLong(f[1]));
    }
}
