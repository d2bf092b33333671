package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * What building and converting one image made and took, kept beside its layout in the image
 * cache ({@value #FILE}), so that a run reusing the image still reports it. Immutable; the
 * {@code with*} methods return a copy.
 *
 * @param key        the image's cache key (recipe and package versions)
 * @param layers     one entry per layer, bottom first
 * @param build      how long resolving, downloading, unpacking and packing took
 * @param conversion the eStargz conversion, once made
 */
record ImageFacts(String key, List<LayerFacts> layers, Duration build, Optional<Conversion> conversion) {
    static final String FILE = "facts.properties";

    /**
     * One layer.
     *
     * @param name      the recipe's layer name
     * @param packages  Debian packages unpacked into it
     * @param entries   files, directories and links in it
     * @param tarBytes  its uncompressed tar
     * @param gzipBytes its {@code tar+gzip} blob
     */
    record LayerFacts(String name, int packages, long entries, long tarBytes, long gzipBytes) {}

    /**
     * The one-off eStargz conversion ({@code ctr content fetch}, {@code ctr-remote image convert},
     * {@code ctr images push}) and the size of what it made.
     */
    record Conversion(Duration fetch, Duration convert, Duration push, long estargzBytes) {}

    ImageFacts {
        layers = List.copyOf(layers);
    }

    ImageFacts withConversion(Conversion c) {
        return new ImageFacts(key, layers, build, Optional.of(c));
    }

    long entries() {
        return layers.stream().mapToLong(LayerFacts::entries).sum();
    }

    long tarBytes() {
        return layers.stream().mapToLong(LayerFacts::tarBytes).sum();
    }

    long gzipBytes() {
        return layers.stream().mapToLong(LayerFacts::gzipBytes).sum();
    }

    void store(Path dir) throws IOException {
        Properties p = new Properties();
        p.setProperty("key", key);
        p.setProperty("build_ms", Long.toString(build.toMillis()));
        p.setProperty("layers", Integer.toString(layers.size()));
        for (int i = 0; i < layers.size(); i++) {
            LayerFacts l = layers.get(i);
            p.setProperty("layer." + i, l.name() + " " + l.packages() + " " + l.entries() + " " + l.tarBytes() + " "
                    + l.gzipBytes());
        }
        conversion.ifPresent(c -> {
            p.setProperty("convert", c.fetch().toMillis() + " " + c.convert().toMillis() + " " + c.push().toMillis()
                    + " " + c.estargzBytes());
        });
        Path partial = dir.resolve(FILE + ".partial");
        try (OutputStream out = Files.newOutputStream(partial)) {
            p.store(out, "compare benchmark image; delete this directory to build the image again");
        }
        Files.move(partial, dir.resolve(FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** The facts stored in {@code dir} for an image of {@code key}; empty if absent, unreadable or another key's. */
    static Optional<ImageFacts> load(Path dir, String key) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            if (!key.equals(p.getProperty("key"))) {
                return Optional.empty();
            }
            List<LayerFacts> layers = new ArrayList<>();
            for (int i = 0; i < Integer.parseInt(p.getProperty("layers")); i++) {
                String[] f = p.getProperty("layer." + i).split(" ");
                layers.add(new LayerFacts(f[0], Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                        Long.parseLong(f[4])));
            }
            Optional<Conversion> conversion = Optional.ofNullable(p.getProperty("convert")).map(s -> s.split(" "))
                    .map(f -> new Conversion(Duration.ofMillis(Long.parseLong(f[0])),
                            Duration.ofMillis(Long.parseLong(f[1])), Duration.ofMillis(Long.parseLong(f[2])),
                            Long.parseLong(f[3])));
            return Optional.of(new ImageFacts(key, layers, Duration.ofMillis(Long.parseLong(p.getProperty("build_ms"))),
                    conversion));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // from another version of the benchmark: built again
        }
    }
}
