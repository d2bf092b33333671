package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.compare.Samples.CvmfsRun;
import org.cvmfsstargz.bench.compare.Samples.Usage;
import org.cvmfsstargz.bench.startup.BenchImage;
import org.cvmfsstargz.bench.startup.CtrCommands;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * The CVMFS section: the JDK image (6 layers) ingested by our {@code ingest} into a local layer
 * tree in DUCC's layout ({@code <cache>/cvmfs/unpacked.cern.ch/.layers/...}), standing in for a
 * mounted repository; then for each round and variant (rotated), on a fresh snapshotter and a
 * containerd with CRI: a CRI {@code PullImage} of the plain image (containerd passes CRI's layer
 * labels), then {@code ctr run --rm} of its workload to the first output. Ours reads the tree
 * through {@code [cvmfs] mountpoint}; the CVMFS reference through its own configuration. Checks
 * that the registry served no byte of any layer. Stateless.
 */
final class CvmfsSection {
    static final String REPOSITORY = "unpacked.cern.ch";
    /** The CVMFS reference's configuration; {@value #REPOSITORY_DIR} becomes the repository's directory. */
    static final String CERN_CONFIG = "repository = \"" + REPOSITORY + "\"\nabsolute-mountpoint = \"{repository_dir}\"\n";
    private static final String REPOSITORY_DIR = "{repository_dir}";
    private static final Duration INGEST_TIMEOUT = Duration.ofMinutes(60);

    /** The one-off ingest: how long it took and its summary line. */
    record Ingest(Duration time, String summary) {}

    private CvmfsSection() {}

    /** Ingests {@code jdk} into the cache's layer tree; layers already there are skipped. */
    static Ingest ingest(RunContext ctx, Built jdk) throws IOException, InterruptedException {
        Path repository = Files.createDirectories(mountpoint(ctx).resolve(REPOSITORY));
        ctx.progress("ingesting " + jdk.recipe().name() + " into " + repository);
        long begin = System.nanoTime();
        DaemonProcess.Exit exit = DaemonProcess.run(INGEST_TIMEOUT, List.of("ingest", "--image",
                jdk.layout().dir().toString(), "--output", repository.toString()));
        if (exit.code() != 0) {
            throw new IOException("ingest exited with " + exit.code() + ":\n" + exit.output());
        }
        String summary = exit.output().lines().filter(l -> l.startsWith("ingested")).findFirst()
                .orElse(exit.output().strip());
        ctx.progress("  " + summary);
        return new Ingest(Duration.ofNanos(System.nanoTime() - begin), summary);
    }

    static List<CvmfsRun> run(RunContext ctx, Built jdk) {
        CompareOptions o = ctx.options();
        List<Variant> variants = new ArrayList<>(o.variants().stream().filter(Variant::ours).toList());
        o.cvmfsReference().ifPresent(variants::add);
        List<CvmfsRun> samples = new ArrayList<>();
        if (!variants.isEmpty() && !ctx.stopping()) {
            warmUpOwnClient(ctx, jdk, variants.get(0));
        }
        for (int round = 1; round <= o.repeat(); round++) {
            for (Variant variant : RunContext.rotated(variants, round)) {
                if (ctx.stopping()) {
                    return samples;
                }
                String what = String.format(Locale.ROOT, "CVMFS %s, %s, round %d of %d", jdk.recipe().name(),
                        variant.label(), round, o.repeat());
                ctx.progress(what);
                try {
                    CvmfsRun s = sample(ctx, jdk, variant, round);
                    ctx.progress(String.format(Locale.ROOT, "  pull %.2f s, run %.2f s, layer bytes %,d, daemon CPU"
                            + " %.2f s, peak RSS %.0f MiB", s.pull().toNanos() / 1e9, s.run().toNanos() / 1e9,
                            s.layerBlobBytes(), s.usage().daemonCpu().toNanos() / 1e9,
                            s.usage().peakRss() / 1048576.0));
                    samples.add(s);
                } catch (IOException | RuntimeException e) {
                    ctx.fail(Section.CVMFS, what, e);
                }
            }
        }
        return samples;
    }

    /**
     * One sample, not counted. The pull is timed around this JVM's own CRI client, whose first use
     * loads and links its gRPC and protobuf classes: without this, that cost (about a second) lands
     * on whichever variant the first round starts with. Every counted sample still has a cold
     * snapshotter and a cold containerd.
     */
    private static void warmUpOwnClient(RunContext ctx, Built jdk, Variant variant) {
        String what = "CVMFS " + jdk.recipe().name() + ", " + variant.label() + ", warm-up of the bench's CRI client"
                + " (not counted)";
        ctx.progress(what);
        try {
            sample(ctx, jdk, variant, 0);
        } catch (IOException | RuntimeException e) {
            ctx.fail(Section.CVMFS, what, e);
        }
    }

    private static CvmfsRun sample(RunContext ctx, Built jdk, Variant variant, int round) throws IOException {
        String reference = ImagePublication.reference(ctx.proxy().hostPort(), jdk, ImagePublication.GZIP_TAG);
        ctx.dropCaches();
        ColdNode node = ColdNode.start(ctx.sampleDir(), variant, config(ctx, variant),
                Optional.of(ctx.proxy().hostPort()), ctx.cleanup());
        try {
            ctx.connectNote(node);
            ctx.proxy().reset();
            OthersWindow window = OthersWindow.open(ctx.nproc());
            Duration cpuBefore = node.snapshotter().cpu();
            long begin = System.nanoTime();
            try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
                cri.pull(reference);
            }
            long pulled = System.nanoTime();
            CtrCommands.Exit run = node.run(reference, ctx.containerId(), jdk.recipe().workload()).orThrow();
            Optional<Duration> containerCpu = ColdNode.containerCpu(run.stderr());
            Optional<Double> others = window.share(containerCpu);
            StartupSection.check(jdk.recipe().workload(), run);
            long layerBytes = 0;
            for (BenchImage.Layer layer : jdk.layout().layers()) {
                layerBytes += ctx.proxy().blobBytes(layer.blob().digest());
            }
            if (layerBytes != 0) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the registry served %,d bytes of the"
                        + " image's layers: %s did not take them from the layer tree; requests:%n%s", layerBytes,
                        variant.label(), String.join("\n", ctx.proxy().requests())));
            }
            Usage usage = new Usage(node.snapshotter().cpu().minus(cpuBefore), cpuBefore, node.snapshotter().peakRss(),
                    others, containerCpu, node.connectFailures(), 0);
            long blobs = ctx.proxy().totalBlobBytes();
            int exit = node.stop();
            return new CvmfsRun(variant.label(), round, Duration.ofNanos(pulled - begin),
                    Duration.ofNanos(run.firstOutput().orElseThrow() - pulled), layerBytes, blobs, usage.withExit(exit));
        } catch (IOException | RuntimeException e) {
            System.err.println(node.diagnostics());
            node.close();
            throw e;
        }
    }

    /** Ours: the layer tree as its CVMFS mountpoint, no metrics; the reference: its configuration, filled in. */
    private static String config(RunContext ctx, Variant variant) {
        if (variant.ours()) {
            return "[cvmfs]\nmountpoint = \"" + mountpoint(ctx) + "\"\nrepositories = [\"" + REPOSITORY + "\"]\n\n"
                    + RunContext.oursDefaultConfig();
        }
        return variant.referenceConfig().orElseThrow().replace(REPOSITORY_DIR,
                mountpoint(ctx).resolve(REPOSITORY).toString());
    }

    private static Path mountpoint(RunContext ctx) {
        return ctx.options().imageCache().toAbsolutePath().resolve("cvmfs");
    }
}
