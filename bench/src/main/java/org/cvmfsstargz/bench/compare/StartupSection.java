package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.compare.ImageRecipe.Workload;
import org.cvmfsstargz.bench.compare.Samples.StartUp;
import org.cvmfsstargz.bench.compare.Samples.Usage;
import org.cvmfsstargz.bench.startup.CtrCommands;
import org.cvmfsstargz.bench.startup.EstargzConversion;

/**
 * The start-up section: for each round, image, link and variant (rotated each round), one cold
 * sample: page cache dropped, a fresh snapshotter and containerd, {@code ctr-remote image rpull}
 * of the image's eStargz form, then {@code ctr run --rm} of its workload, timed from the exec of
 * the pull to the container's first byte of output. Checks that the container printed what the
 * workload must print and that the pull was lazy (fewer registry bytes than the eStargz layers).
 * Stateless.
 */
final class StartupSection {
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);

    private StartupSection() {}

    static List<StartUp> run(RunContext ctx, List<Built> images) {
        CompareOptions o = ctx.options();
        List<StartUp> samples = new ArrayList<>();
        for (int round = 1; round <= o.repeat(); round++) {
            for (Built image : images) {
                for (Link link : o.links()) {
                    for (Variant variant : RunContext.rotated(o.variants(), round)) {
                        if (ctx.stopping()) {
                            return samples;
                        }
                        String what = String.format(Locale.ROOT, "start-up %s over %s, %s, round %d of %d",
                                image.recipe().name(), link.label(), variant.label(), round, o.repeat());
                        ctx.progress(what);
                        try {
                            StartUp s = sample(ctx, image, link, variant, round);
                            ctx.progress(String.format(Locale.ROOT, "  pull %.2f s, first output %.2f s, %,d blob"
                                    + " bytes, daemon CPU %.2f s, peak RSS %.0f MiB", s.pull().toNanos() / 1e9,
                                    s.firstOutput().toNanos() / 1e9, s.blobBytes(),
                                    s.usage().daemonCpu().toNanos() / 1e9, s.usage().peakRss() / 1048576.0));
                            samples.add(s);
                        } catch (IOException | RuntimeException e) {
                            ctx.fail(Section.STARTUP, what, e);
                        }
                    }
                }
            }
        }
        return samples;
    }

    private static StartUp sample(RunContext ctx, Built image, Link link, Variant variant, int round)
            throws IOException {
        String reference = ImagePublication.reference(ctx.hostPort(link), image, EstargzConversion.ESGZ_TAG);
        Workload workload = image.recipe().workload();
        ctx.dropCaches();
        ColdNode node = ColdNode.start(ctx.sampleDir(), variant, config(variant), Optional.empty(), ctx.cleanup());
        try {
            ctx.connectNote(node);
            ctx.proxy().reset();
            OthersWindow window = OthersWindow.open(ctx.nproc());
            Duration cpuBefore = node.snapshotter().cpu();
            CtrCommands.Exit pull = node.ctr().run(List.of("ctr-remote", "image", "rpull", "--plain-http",
                    "--snapshotter", ColdNode.SNAPSHOTTER, reference), PULL_TIMEOUT).orThrow();
            CtrCommands.Exit run = node.run(reference, ctx.containerId(), workload).orThrow();
            Optional<Duration> containerCpu = ColdNode.containerCpu(run.stderr());
            Optional<Double> others = window.share(containerCpu);
            check(workload, run);
            long blobs = ctx.proxy().totalBlobBytes();
            long layers = image.facts().conversion().orElseThrow().estargzBytes();
            if (blobs >= layers) {
                throw new IllegalStateException(String.format(Locale.ROOT, "the registry served %,d blob bytes, as"
                        + " many as the %,d bytes of eStargz layers: %s pulled the image whole, not lazily",
                        blobs, layers, variant.label()));
            }
            Usage usage = new Usage(node.snapshotter().cpu().minus(cpuBefore), cpuBefore, node.snapshotter().peakRss(),
                    others, containerCpu, node.connectFailures(), 0);
            int requests = ctx.proxy().requests().size();
            int exit = node.stop();
            return new StartUp(image.recipe().name(), link, variant.label(), round,
                    Duration.ofNanos(pull.end() - pull.start()),
                    Duration.ofNanos(run.firstOutput().orElseThrow() - pull.start()), blobs, requests,
                    usage.withExit(exit));
        } catch (IOException | RuntimeException e) {
            System.err.println(node.diagnostics());
            node.close();
            throw e;
        }
    }

    /** The configuration {@code variant} starts with: ours' defaults without metrics, or the reference's own. */
    static String config(Variant variant) {
        return variant.ours() ? RunContext.oursDefaultConfig() : variant.referenceConfig().orElseThrow();
    }

    /** The container must have printed something first and exactly what the workload prints. */
    static void check(Workload workload, CtrCommands.Exit run) {
        if (run.firstOutput().isEmpty() || !workload.expected().matcher(run.stdout().strip()).matches()) {
            throw new IllegalStateException("the container printed \"" + run.stdout().strip() + "\", expected "
                    + workload.expected().pattern() + ": " + run.describe());
        }
    }
}
