package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.cvmfsstargz.bench.compare.AptResolver.Deb;
import org.cvmfsstargz.bench.compare.ImageFacts.LayerFacts;
import org.cvmfsstargz.bench.compare.ImageRecipe.LayerRecipe;
import org.cvmfsstargz.bench.startup.BenchImage;
import org.cvmfsstargz.bench.startup.BenchImage.Blob;
import org.cvmfsstargz.bench.startup.BenchImage.Layer;
import org.cvmfsstargz.bench.startup.DigestingOutputStream;

/**
 * Builds an {@link ImageRecipe} into a linux/amd64 OCI image layout in the image cache, or finds
 * it there: the packages are resolved first (quick), and the cache key is the recipe with every
 * package's version, so a layout is reused exactly while the package lists give the same
 * versions. Layer trees are made one at a time under the cache's work directory and deleted once
 * packed. Stateless.
 */
final class ImageBuild {
    /** Bumped when the build changes in a way that changes the bytes of an image. */
    private static final String FORMAT = "compare-image-2";
    private static final String ENV_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final Instant CREATED = Instant.parse("2025-01-01T00:00:00Z");

    /**
     * An image ready in the cache.
     *
     * @param recipe how it was made
     * @param key    its cache key: 12 hex digits of SHA-256 over the recipe and package versions
     * @param layout its OCI layout
     * @param facts  sizes, counts and the times building (and converting) took
     * @param reused whether it was found in the cache rather than built now
     */
    record Built(ImageRecipe recipe, String key, BenchImage layout, ImageFacts facts, boolean reused) {
        Path dir() {
            return layout.dir().getParent();
        }

        Built withFacts(ImageFacts f) {
            return new Built(recipe, key, layout, f, reused);
        }
    }

    private ImageBuild() {}

    /** The image of {@code recipe} in {@code cache}, built there first if it is not. */
    static Built buildOrReuse(ImageRecipe recipe, Path cache, Consumer<String> progress) throws IOException {
        long begin = System.nanoTime();
        List<List<Deb>> debs = AptResolver.resolve(recipe.layers(), cache.resolve("work"));
        for (int i = 0; i < debs.size(); i++) {
            if (debs.get(i).isEmpty()) {
                throw new IOException(recipe.name() + ": layer " + (i + 1) + " (" + recipe.layers().get(i).name()
                        + ") would be empty: a lower layer already brings " + recipe.layers().get(i).packages()
                        + "; move them down the recipe");
            }
        }
        String key = key(recipe, debs);
        Path dir = cache.resolve("images").resolve(recipe.name() + "-" + key);
        Path layoutDir = dir.resolve("layout");
        Optional<BenchImage> cached = BenchImage.load(layoutDir, key);
        Optional<ImageFacts> facts = ImageFacts.load(dir, key);
        if (cached.isPresent() && facts.isPresent()) {
            progress.accept(String.format(Locale.ROOT, "%s: reusing the image built in %.0f s, in %s", recipe.name(),
                    facts.get().build().toNanos() / 1e9, dir));
            return new Built(recipe, key, cached.get(), facts.get(), true);
        }
        progress.accept(recipe.name() + ": building the image (" + debs.stream().mapToInt(List::size).sum()
                + " packages in " + debs.size() + " layers) into " + dir);
        Path debDir = cache.resolve("debs");
        DebianLayers.download(debs.stream().flatMap(List::stream).toList(), debDir, progress);
        Optional<String> python = DebianLayers.hostPythonFor(debs);
        List<Layer> layers = new ArrayList<>();
        List<LayerFacts> layerFacts = new ArrayList<>();
        Path blobs = Files.createDirectories(layoutDir.resolve("blobs/sha256"));
        for (int i = 0; i < debs.size(); i++) {
            LayerRecipe layer = recipe.layers().get(i);
            long layerBegin = System.nanoTime();
            Path tree = cache.resolve("work").resolve(recipe.name() + "-" + i);
            long entries = DebianLayers.extract(layer, debs.get(i), debDir, tree, python);
            Layer packed = LayerTar.write(tree, blobs);
            Shell.ok(List.of("rm", "-rf", "--one-file-system", tree.toString()), Duration.ofMinutes(10));
            layers.add(packed);
            layerFacts.add(new LayerFacts(layer.name(), debs.get(i).size(), entries, packed.tarBytes(),
                    packed.blob().size()));
            progress.accept(String.format(Locale.ROOT, "%s: layer %d (%s): %d packages, %,d entries, %,d bytes of"
                    + " tar, %,d of gzip, in %.1f s", recipe.name(), i + 1, layer.name(), debs.get(i).size(), entries,
                    packed.tarBytes(), packed.blob().size(), (System.nanoTime() - layerBegin) / 1e9));
        }
        BenchImage image = writeLayout(layoutDir, key, layers, layerFacts);
        ImageFacts built = new ImageFacts(key, layerFacts, Duration.ofNanos(System.nanoTime() - begin),
                Optional.empty());
        built.store(dir);
        pruneOthers(recipe, dir, progress);
        return new Built(recipe, key, image, built, false);
    }

    /**
     * Deletes the recipe's images of other keys (older package versions, or an older build): only
     * the newest is reused. The registry keeps their blobs; deleting the cache resets it too.
     */
    private static void pruneOthers(ImageRecipe recipe, Path keep, Consumer<String> progress) throws IOException {
        List<Path> others;
        try (Stream<Path> dirs = Files.list(keep.getParent())) {
            others = dirs.filter(d -> !d.equals(keep) && d.getFileName().toString()
                    .matches(Pattern.quote(recipe.name()) + "-[0-9a-f]{12}")).toList();
        }
        for (Path other : others) {
            progress.accept(recipe.name() + ": deleting the outdated " + other);
            Shell.ok(List.of("rm", "-rf", "--one-file-system", other.toString()), Duration.ofMinutes(10));
        }
    }

    /** 12 hex digits of SHA-256 over the format, the recipe's layers and every resolved package version. */
    static String key(ImageRecipe recipe, List<List<Deb>> debs) {
        StringBuilder text = new StringBuilder(FORMAT).append('\n').append(recipe.name()).append('\n');
        for (int i = 0; i < recipe.layers().size(); i++) {
            text.append(recipe.layers().get(i).key()).append('\n');
            text.append(debs.get(i).stream().map(Deb::pinned).sorted().collect(Collectors.joining(" "))).append('\n');
        }
        return DigestingOutputStream.sha256(text.toString().getBytes(StandardCharsets.UTF_8))
                .substring("sha256:".length(), "sha256:".length() + 12);
    }

    private static BenchImage writeLayout(Path dir, String key, List<Layer> layers, List<LayerFacts> facts)
            throws IOException {
        Path blobs = dir.resolve("blobs/sha256");
        String diffIds = layers.stream().map(l -> "\"" + l.diffId() + "\"").collect(Collectors.joining(","));
        Blob config = putBlob(blobs, "{\"created\":\"" + CREATED + "\",\"architecture\":\"amd64\",\"os\":\"linux\","
                + "\"config\":{\"Env\":[\"" + ENV_PATH + "\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\","
                + "\"diff_ids\":[" + diffIds + "]}}");
        String descriptors = layers.stream().map(l -> descriptor("application/vnd.oci.image.layer.v1.tar+gzip",
                l.blob())).collect(Collectors.joining(","));
        Blob manifest = putBlob(blobs, "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":" + descriptor("application/vnd.oci.image.config.v1+json", config) + ",\"layers\":["
                + descriptors + "]}");
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" + descriptor(
                        "application/vnd.oci.image.manifest.v1+json", manifest).replace("}",
                        ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}") + "]}");
        long entries = facts.stream().mapToLong(LayerFacts::entries).sum();
        long tarBytes = layers.stream().mapToLong(Layer::tarBytes).sum();
        BenchImage image = new BenchImage(dir, key, manifest, config, layers, entries, tarBytes, "", "");
        image.store();
        return image;
    }

    private static String descriptor(String mediaType, Blob blob) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + blob.digest() + "\",\"size\":" + blob.size() + "}";
    }

    private static Blob putBlob(Path blobs, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        Blob blob = new Blob(DigestingOutputStream.sha256(bytes), bytes.length);
        Files.write(blobs.resolve(blob.hex()), bytes);
        return blob;
    }
}
