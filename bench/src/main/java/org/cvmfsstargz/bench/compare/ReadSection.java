package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.compare.ImageRecipe.Workload;
import org.cvmfsstargz.bench.compare.Samples.Read;
import org.cvmfsstargz.bench.compare.Samples.Usage;
import org.cvmfsstargz.bench.startup.CtrCommands;
import org.cvmfsstargz.bench.startup.EstargzConversion;

/**
 * The whole-image read: for each round and variant (rotated), on a fresh snapshotter and
 * containerd, {@code ctr-remote image rpull} of the JDK image's eStargz form over loopback, then
 * every regular file under {@code /usr} read ({@code find -exec cat}) in a container, twice: cold
 * (page cache dropped right before; the snapshotter's cache holds only what the pull fetched)
 * and warm (a second container, nothing dropped). Each pass is timed inside the container; the
 * snapshotter's CPU time is taken over the pass, its peak RSS read after it. Checks that both passes read the same bytes. Stateless.
 */
final class ReadSection {
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);

    private ReadSection() {}

    static List<Read> run(RunContext ctx, Built jdk) {
        CompareOptions o = ctx.options();
        List<Read> samples = new ArrayList<>();
        for (int round = 1; round <= o.repeat(); round++) {
            for (Variant variant : RunContext.rotated(o.variants(), round)) {
                if (ctx.stopping()) {
                    return samples;
                }
                String what = String.format(Locale.ROOT, "whole-image read of %s, %s, round %d of %d",
                        jdk.recipe().name(), variant.label(), round, o.repeat());
                ctx.progress(what);
                try {
                    samples.addAll(sample(ctx, jdk, variant, round));
                } catch (IOException | RuntimeException e) {
                    ctx.fail(Section.READ, what, e);
                }
            }
        }
        return samples;
    }

    private static List<Read> sample(RunContext ctx, Built jdk, Variant variant, int round) throws IOException {
        String reference = ImagePublication.reference(ctx.hostPort(Link.LOOPBACK), jdk, EstargzConversion.ESGZ_TAG);
        ColdNode node = ColdNode.start(ctx.sampleDir(), variant, StartupSection.config(variant), Optional.empty(),
                ctx.cleanup());
        List<Read> passes = new ArrayList<>();
        try {
            node.ctr().run(List.of("ctr-remote", "image", "rpull", "--plain-http", "--snapshotter",
                    ColdNode.SNAPSHOTTER, reference), PULL_TIMEOUT).orThrow();
            ctx.connectNote(node);
            for (boolean warm : List.of(false, true)) {
                if (!warm) {
                    ctx.dropCaches();
                }
                passes.add(pass(ctx, node, reference, variant, round, warm));
                Read r = passes.getLast();
                ctx.progress(String.format(Locale.ROOT, "  %s: %,d bytes in %.2f s (%.0f MB/s), %,d blob bytes,"
                        + " peak RSS %.0f MiB", r.pass(), r.bytesRead(), r.time().toNanos() / 1e9, r.mbPerSecond(),
                        r.blobBytes(), r.usage().peakRss() / 1048576.0));
            }
            if (passes.get(0).bytesRead() != passes.get(1).bytesRead()) {
                throw new IllegalStateException("the cold pass read " + passes.get(0).bytesRead()
                        + " bytes and the warm one " + passes.get(1).bytesRead());
            }
            int exit = node.stop();
            return passes.stream().map(r -> new Read(r.variant(), r.round(), r.warm(), r.time(), r.bytesRead(),
                    r.blobBytes(), r.usage().withExit(exit))).toList();
        } catch (IOException | RuntimeException e) {
            System.err.println(node.diagnostics());
            node.close();
            throw e;
        }
    }

    private static Read pass(RunContext ctx, ColdNode node, String reference, Variant variant, int round,
            boolean warm) throws IOException {
        Workload read = ImageCatalog.wholeImageRead();
        ctx.proxy().reset();
        Duration cpuBefore = node.snapshotter().cpu();
        OthersWindow window = OthersWindow.open(ctx.nproc());
        CtrCommands.Exit run = node.run(reference, ctx.containerId() + (warm ? "-warm" : "-cold"), read).orThrow();
        Optional<Duration> containerCpu = ColdNode.containerCpu(run.stderr());
        Optional<Double> others = window.share(containerCpu);
        StartupSection.check(read, run);
        Matcher m = read.expected().matcher(run.stdout().strip());
        if (!m.matches()) {
            throw new IllegalStateException("unreadable output of the read: " + run.stdout());
        }
        long bytes = Long.parseLong(m.group(1));
        Duration time = Duration.ofNanos(Math.round((Double.parseDouble(m.group(3)) - Double.parseDouble(m.group(2)))
                * 1e9));
        Usage usage = new Usage(node.snapshotter().cpu().minus(cpuBefore), cpuBefore, node.snapshotter().peakRss(),
                others, containerCpu, node.connectFailures(), 0);
        return new Read(variant.label(), round, warm, time, bytes, ctx.proxy().totalBlobBytes(), usage);
    }
}
