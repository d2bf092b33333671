package org.cvmfsstargz.snapshotter.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.RegistrySettings;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.cvmfsstargz.snapshotter.ingest.DuccLayoutWriter;
import org.cvmfsstargz.snapshotter.ingest.ImageSource;
import org.cvmfsstargz.snapshotter.ingest.IngestException;
import org.cvmfsstargz.snapshotter.ingest.IngestListener;
import org.cvmfsstargz.snapshotter.ingest.IngestReport;
import org.cvmfsstargz.snapshotter.ingest.LayerUnpacker;
import org.cvmfsstargz.snapshotter.ingest.OciLayout;
import org.cvmfsstargz.snapshotter.ingest.RegistryImageSource;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ingest}: unpacks an OCI image (layout directory, archive, or image in a registry) into
 * DUCC's {@code .layers} layout under a directory, ready for {@code cvmfs_server} to publish.
 * Per-layer progress goes to stderr only on a terminal; the one-line summary always.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Unpack an OCI image into DUCC's .layers layout (as on unpacked.cern.ch).")
public final class IngestCommand implements Callable<Integer> {

    /** Where the image comes from: exactly one of the two. */
    static final class Source {
        @Option(names = "--image", paramLabel = "PATH", required = true,
                description = "OCI image layout directory, or an OCI archive (ctr images export).")
        Path image;

        @Option(names = "--ref", paramLabel = "REFERENCE", required = true, converter = ReferenceConverter.class,
                description = "Image to pull from a registry, e.g. ghcr.io/org/app:1 or host:5000/app@sha256:...;"
                        + " HTTPS, or plain HTTP for loopback hosts and --insecure-registry hosts.")
        ImageReference ref;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    private Source source;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "With --ref: a registry to reach over plain HTTP (repeatable). Loopback hosts always are.")
    private List<String> insecureRegistries = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "With --ref: the daemon's configuration file, whose [registry] section (credentials,"
                    + " mirrors, CA files, timeouts) is used (default: /etc/cvmfs-stargz-snapshotter/config.toml"
                    + " if it exists, else built-in defaults).")
    private Path configFile;

    @Option(names = "--output", paramLabel = "DIR", required = true,
            description = "Directory to write .layers/ into (created if missing).")
    private Path output;

    @Override
    public Integer call() {
        if (source.image != null && (!insecureRegistries.isEmpty() || configFile != null)) {
            System.err.println("cvmfs-stargz-snapshotter ingest: " + (configFile != null ? "--config"
                    : "--insecure-registry") + " applies only to --ref");
            return Main.EXIT_USAGE;
        }
        RegistryOptions options = RegistryOptions.defaults();
        if (source.ref != null) {
            try {
                options = RegistrySettings.options(ConfigLoader.load(Optional.ofNullable(configFile)).registry(),
                        Set.copyOf(insecureRegistries));
            } catch (ConfigException e) {
                System.err.println("cvmfs-stargz-snapshotter ingest: configuration error: " + e.getMessage());
                return Main.EXIT_USAGE;
            } catch (IllegalArgumentException e) {
                System.err.println("cvmfs-stargz-snapshotter ingest: " + e.getMessage());
                return Main.EXIT_USAGE;
            }
        }
        IngestListener progress = System.console() == null ? IngestListener.NONE
                : (layer, written, elapsed) -> System.err.printf(Locale.ROOT, "%s %s %d bytes %.1f s%n",
                        written ? "wrote" : "skipped", layer.digest(), layer.size(), elapsed.toNanos() / 1e9);
        try (ImageSource image = source.image != null ? OciLayout.open(source.image)
                : new RegistryImageSource(source.ref, new RegistryClient(options))) {
            IngestReport report = new DuccLayoutWriter(output, new LayerUnpacker()).write(image, progress);
            System.err.printf(Locale.ROOT, "ingested %s: %d layers written, %d skipped, %d bytes in %.1f s%n",
                    report.image().configDigest(), report.layersWritten(), report.layersSkipped(),
                    report.bytesRead(), report.seconds());
            return 0;
        } catch (IngestException | IOException e) {
            System.err.println("cvmfs-stargz-snapshotter ingest: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }

    /** Parses {@code --ref}, so a malformed reference is a usage error naming the fault. */
    static final class ReferenceConverter implements CommandLine.ITypeConverter<ImageReference> {
        @Override
        public ImageReference convert(String value) {
            try {
                return ImageReference.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
