package org.cvmfsstargz.snapshotter.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.cvmfsstargz.snapshotter.diagnose.ImageInspection;
import org.cvmfsstargz.snapshotter.diagnose.ImageReport;
import org.cvmfsstargz.snapshotter.diagnose.ReportFormat;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code inspect}: for each layer of an image, which source the daemon would serve it from and
 * why, with a TOC summary for eStargz layers. Mounts and caches nothing.
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Tell, for each layer of an image (linux/amd64), which source the daemon would serve it"
                + " from (cvmfs, estargz or pull) and why, with a summary of each eStargz layer's TOC.",
                "Nothing is mounted or cached."})
public final class InspectCommand implements Callable<Integer> {
    @Option(names = "--ref", paramLabel = "REFERENCE", required = true,
            converter = IngestCommand.ReferenceConverter.class,
            description = "The image, e.g. ghcr.io/org/app:1 or host:5000/app@sha256:...")
    private ImageReference ref;

    @Option(names = "--layer", paramLabel = "DIGEST", converter = DigestConverter.class,
            description = "Only this layer of the image.")
    private Digest layer;

    @Option(names = "--config", paramLabel = "FILE",
            description = "The snapshotter's configuration file, as for serve (default: "
                    + "/etc/cvmfs-stargz-snapshotter/config.toml if it exists, else built-in defaults).")
    private Path configFile;

    @Option(names = "--json", description = "Print one JSON document instead of text.")
    private boolean json;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        Config config;
        try {
            config = ConfigLoader.load(Optional.ofNullable(configFile));
        } catch (ConfigException e) {
            err.println("cvmfs-stargz-snapshotter: configuration error: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        ImageInspection inspection;
        try {
            inspection = ImageInspection.of(config);
        } catch (ConfigException e) {
            err.println("cvmfs-stargz-snapshotter: configuration error: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        ImageReport report;
        try (inspection) {
            report = inspection.inspect(ref, Optional.ofNullable(layer));
        } catch (RegistryException e) {
            err.println("cvmfs-stargz-snapshotter inspect: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        if (layer != null && report.layers().isEmpty()) {
            err.println("cvmfs-stargz-snapshotter inspect: layer " + layer + " is not in " + ref + " (manifest "
                    + report.manifestDigest() + ")");
            return Main.EXIT_FAILURE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? ReportFormat.json(report) : ReportFormat.text(report));
        out.flush();
        return 0;
    }

    /** Parses {@code --layer}, so a malformed digest is a usage error naming the fault. */
    static final class DigestConverter implements CommandLine.ITypeConverter<Digest> {
        @Override
        public Digest convert(String value) {
            try {
                return Digest.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }
}
