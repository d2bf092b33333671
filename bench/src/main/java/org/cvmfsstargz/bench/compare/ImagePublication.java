package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.startup.Cleanup;
import org.cvmfsstargz.bench.startup.EstargzConversion;
import org.cvmfsstargz.bench.startup.RegistryPush;

/**
 * Puts a built image into the registry (whose storage lives in the image cache) as
 * {@code compare/<name>-<key>:gzip}, and its eStargz form as {@code :esgz}, converted the way
 * users convert ({@code ctr-remote image convert --estargz --oci}, see {@link EstargzConversion})
 * unless the registry already holds the conversion a previous run made. Stateless.
 */
final class ImagePublication {
    static final String GZIP_TAG = "gzip";
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(30);

    private ImagePublication() {}

    /** The repository of {@code built} in the registry. */
    static String repository(Built built) {
        return "compare/" + built.recipe().name() + "-" + built.key();
    }

    /** {@code host:port/compare/<name>-<key>:<tag>}. */
    static String reference(String hostPort, Built built, String tag) {
        return hostPort + "/" + repository(built) + ":" + tag;
    }

    /** Pushes {@code built} to {@code registry} as {@code :gzip}; blobs it has are skipped. */
    static void push(Built built, String registry) throws IOException, InterruptedException {
        RegistryPush.push(built.layout(), registry, repository(built), GZIP_TAG, PUSH_TIMEOUT);
    }

    /**
     * Pushes {@code built} to {@code registry} (blobs it has are skipped) and converts it, unless
     * converted before; returns it with the conversion's facts, stored in the cache.
     */
    static Built publish(Built built, String registry, Path work, Cleanup cleanup, Consumer<String> progress)
            throws IOException, InterruptedException {
        String repository = repository(built);
        push(built, registry);
        Optional<ImageFacts.Conversion> before = built.facts().conversion();
        if (before.isPresent() && converted(registry, repository).orElse(-1L) == before.get().estargzBytes()) {
            progress.accept(String.format(Locale.ROOT, "%s: reusing its eStargz conversion (made in %.0f s),"
                    + " %,d bytes of layers", built.recipe().name(), before.get().convert().toNanos() / 1e9,
                    before.get().estargzBytes()));
            return built;
        }
        progress.accept(built.recipe().name() + ": converting to eStargz with ctr-remote (once per image)");
        EstargzConversion.Converted c = EstargzConversion.convert(work.resolve("convert-" + built.recipe().name()),
                registry, repository, GZIP_TAG, cleanup);
        ImageFacts facts = built.facts().withConversion(new ImageFacts.Conversion(c.fetch(), c.convert(), c.push(),
                c.layerBytes()));
        facts.store(built.dir());
        progress.accept(String.format(Locale.ROOT, "%s: converted in %.1f s: %,d bytes of eStargz layers",
                built.recipe().name(), c.convert().toNanos() / 1e9, c.layerBytes()));
        return built.withFacts(facts);
    }

    /** The eStargz layers' bytes of the repository's {@code :esgz} manifest, if the registry has one. */
    private static Optional<Long> converted(String registry, String repository) throws InterruptedException {
        try {
            return Optional.of(EstargzConversion.layerBytes(registry, repository));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
