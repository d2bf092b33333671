package org.cvmfsstargz.snapshotter.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.ingest.DuccLayoutWriter;
import org.cvmfsstargz.snapshotter.ingest.IngestException;
import org.cvmfsstargz.snapshotter.ingest.IngestListener;
import org.cvmfsstargz.snapshotter.ingest.IngestReport;
import org.cvmfsstargz.snapshotter.ingest.LayerUnpacker;
import org.cvmfsstargz.snapshotter.ingest.OciLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ingest}: unpacks an OCI image (layout directory or archive) into DUCC's {@code .layers}
 * layout under a directory, ready for {@code cvmfs_server} to publish. Per-layer progress goes to
 * stderr only on a terminal; the one-line summary always.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Unpack an OCI image into DUCC's .layers layout (as on unpacked.cern.ch).")
public final class IngestCommand implements Callable<Integer> {

    @Option(names = "--image", paramLabel = "PATH", required = true,
            description = "OCI image layout directory, or an OCI archive (ctr images export).")
    private Path image;

    @Option(names = "--output", paramLabel = "DIR", required = true,
            description = "Directory to write .layers/ into (created if missing).")
    private Path output;

    @Override
    public Integer call() {
        IngestListener progress = System.console() == null ? IngestListener.NONE
                : (layer, written, elapsed) -> System.err.printf(Locale.ROOT, "%s %s %d bytes %.1f s%n",
                        written ? "wrote" : "skipped", layer.digest(), layer.size(), elapsed.toNanos() / 1e9);
        try (OciLayout layout = OciLayout.open(image)) {
            IngestReport report = new DuccLayoutWriter(output, new LayerUnpacker()).write(layout, progress);
            System.err.printf(Locale.ROOT, "ingested %s: %d layers written, %d skipped, %d bytes in %.1f s%n",
                    report.image().configDigest(), report.layersWritten(), report.layersSkipped(),
                    report.bytesRead(), report.seconds());
            return 0;
        } catch (IngestException | IOException e) {
            System.err.println("cvmfs-stargz-snapshotter ingest: " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
    }
}
