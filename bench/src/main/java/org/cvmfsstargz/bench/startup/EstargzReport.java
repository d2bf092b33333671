package org.cvmfsstargz.bench.startup;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.cvmfsstargz.bench.HostFacts;

/**
 * The eStargz benchmark's output: a table of every start-up and read, the spreads and lazy/normal
 * ratios, the daemon's peak RSS, and the same as one JSON line. Not thread-safe.
 */
final class EstargzReport {
    private static final String ROW = "%-7s %-9s %5s %8s %9s %15s %8s %7s %9s %6s%n";
    private static final double NOISY = 0.10;

    /** The one-off work: each step's time, in order, and the converted layers' bytes per repository. */
    record Setup(Map<String, Duration> steps, Map<String, Long> layerBytes) {
        Setup() {
            this(new LinkedHashMap<>(), new LinkedHashMap<>());
        }
    }

    private final Instant startedAt;
    private final HostFacts host;
    private final EstargzOptions options;
    private final Setup setup;
    private final BenchImage large;
    private final BenchImage big;
    private final List<EstargzSamples.StartUp> startUps;
    private final List<EstargzRun.Reads> reads;

    EstargzReport(Instant startedAt, HostFacts host, EstargzOptions options, Setup setup, BenchImage large,
            BenchImage big, List<EstargzSamples.StartUp> startUps, List<EstargzRun.Reads> reads) {
        this.startedAt = startedAt;
        this.host = host;
        this.options = options;
        this.setup = setup;
        this.large = large;
        this.big = big;
        this.startUps = List.copyOf(startUps);
        this.reads = List.copyOf(reads);
    }

    void printTable(PrintStream out) {
        out.println("eStargz benchmark: pull to the container's first output, lazy (FUSE, chunks by HTTP Range) and"
                + " after a normal pull; sequential reads of one large file");
        out.printf(Locale.ROOT, "machine  nproc=%d  cpu=%s  kernel=%s  java=%s  load=%s%n", host.nproc(), host.cpu(),
                host.kernel(), host.java(), host.load());
        out.printf(Locale.ROOT, "tmp      on %s (mounted on %s)%n", host.rootFsType(), host.rootMount());
        out.printf(Locale.ROOT, "images   large: %d layers, %,d files, %,d bytes of files, gzip %,d, eStargz %,d bytes%n",
                large.layers().size(), large.files(), large.fileBytes(), large.compressedBytes(),
                setup.layerBytes().getOrDefault("bench/large", 0L));
        out.printf(Locale.ROOT, "         big file: one random file of %,d bytes, eStargz %,d bytes%n",
                options.bigFile().bytes(), setup.layerBytes().getOrDefault("bench/bigfile", 0L));
        StringBuilder steps = new StringBuilder();
        setup.steps().forEach((step, d) -> steps.append(String.format(Locale.ROOT, "%n         %-32s %7.1f s%s", step,
                seconds(d), d.isZero() ? " (reused)" : "")));
        out.printf(Locale.ROOT, "setup    one-off, per image:%s%n", steps);
        out.printf(Locale.ROOT, "runs     each on a fresh containerd and daemon (empty chunk cache), alternating; slow link ="
                + " +%d ms per request and connection, %d Mbit/s shared%n%n", options.latency().toMillis(),
                options.bitsPerSecond() / 1_000_000);
        out.printf(Locale.ROOT, ROW, "variant", "link", "round", "pull s", "first", "registry", "requests", "others",
                "daemon", "daemon");
        out.printf(Locale.ROOT, ROW, "", "", "", "", "output s", "blob bytes", "", "CPU %", "VmHWM MB", "exit");
        for (EstargzSamples.StartUp s : startUps) {
            out.printf(Locale.ROOT, ROW, s.variant().label(), link(s.slow()), s.round(), fixed(seconds(s.pull()), 2),
                    fixed(seconds(s.firstOutput()), 2), String.format(Locale.ROOT, "%,d", s.blobBytes()), s.requests(),
                    s.othersShare().map(b -> fixed(b * 100, 0)).orElse("-"), fixed(s.daemonPeakRss() / 1e6, 0),
                    s.daemonExit());
        }
        out.println();
        out.printf(Locale.ROOT, "%-20s %28s   %28s%n", "", "start-up s (first output)", "registry blob bytes");
        out.printf(Locale.ROOT, "%-20s %9s %9s %9s   %14s %13s%n", "", "median", "min", "max", "median", "max");
        for (boolean slow : List.of(false, true)) {
            if (startUps.stream().noneMatch(s -> s.slow() == slow)) {
                continue;
            }
            for (EstargzVariant v : EstargzVariant.values()) {
                Spread time = spread(v, slow, EstargzReport::firstOutputSeconds);
                Spread bytes = spread(v, slow, s -> s.blobBytes());
                out.printf(Locale.ROOT, "%-20s %9.2f %9.2f %9.2f   %,14.0f %,13.0f%n", v.label() + ", " + link(slow),
                        time.median(), time.min(), time.max(), bytes.median(), bytes.max());
            }
            out.printf(Locale.ROOT, "%-20s %9.3f %19s   %14.3g%n", "lazy/normal, " + link(slow),
                    ratio(slow, EstargzReport::firstOutputSeconds), "", ratio(slow, s -> s.blobBytes()));
        }
        out.printf(Locale.ROOT, "%n%-34s %8s %8s %10s %15s%n", "sequential read (dd bs=1M)", "s", "MB/s", "x normal",
                "registry bytes");
        double baseline = normalColdMbPerSecond();
        for (EstargzRun.Reads r : reads) {
            for (EstargzSamples.Read read : r.reads()) {
                boolean timed = !read.time().isZero(); // busybox time: 10 ms resolution
                out.printf(Locale.ROOT, "%-34s %8.2f %8s %10s %,15d%n", read.read(), seconds(read.time()),
                        timed ? fixed(read.mbPerSecond(), 0) : "-",
                        timed ? fixed(read.mbPerSecond() / baseline, 2) : "-", read.blobBytes());
            }
        }
        out.printf(Locale.ROOT, "(x normal: against the normal read with the page cache dropped; page cache %s before"
                + " each read but the \"warm\" ones)%n", options.dropCaches() ? "dropped" : "NOT dropped");
        out.printf(Locale.ROOT, "%ndaemon   peak RSS (VmHWM): lazy %.0f MB, normal %.0f MB (the largest over all runs"
                + " of each variant)%n", peakRss(EstargzVariant.LAZY) / 1e6, peakRss(EstargzVariant.NORMAL) / 1e6);
        long unclean = startUps.stream().filter(s -> s.daemonExit() != 0).count()
                + reads.stream().filter(r -> r.daemonExit() != 0).count();
        out.printf(Locale.ROOT, "after    every containerd, daemon and container stopped; daemon exit on SIGTERM: %s%n",
                unclean == 0 ? "0 in every run" : unclean + " run(s) not 0");
        if (startUps.stream().anyMatch(s -> s.othersShare().orElse(0.0) > NOISY)) {
            out.printf(Locale.ROOT, "warning  other processes kept more than %.0f%% of the CPUs busy during some"
                    + " start-ups (others CPU %%): their times are longer than on a quiet machine%n", NOISY * 100);
        }
    }

    String jsonLine() {
        JsonObject setupJson = new JsonObject();
        setup.steps().forEach((k, d) -> setupJson.number(k.replace(' ', '_') + "_s", seconds(d)));
        setup.layerBytes().forEach((k, b) -> setupJson.number(k.replace('/', '_') + "_estargz_bytes", b));
        List<JsonObject> runs = new ArrayList<>();
        for (EstargzSamples.StartUp s : startUps) {
            runs.add(new JsonObject().string("variant", s.variant().label()).string("link", link(s.slow()))
                    .number("round", s.round()).number("pull_ms", millis(s.pull()))
                    .number("first_output_ms", millis(s.firstOutput())).number("registry_blob_bytes", s.blobBytes())
                    .number("requests", s.requests()).number("others_cpu_share", s.othersShare().orElse(Double.NaN))
                    .number("daemon_vmhwm_bytes", s.daemonPeakRss()).number("daemon_exit", s.daemonExit()));
        }
        List<JsonObject> readJson = new ArrayList<>();
        for (EstargzRun.Reads r : reads) {
            for (EstargzSamples.Read read : r.reads()) {
                readJson.add(new JsonObject().string("read", read.read()).bool("page_cache_dropped",
                        read.pageCacheDropped()).number("bytes", read.bytes()).number("ms", millis(read.time()))
                        .number("mb_per_s", read.mbPerSecond()).number("registry_blob_bytes", read.blobBytes()));
            }
        }
        JsonObject summary = new JsonObject();
        for (boolean slow : List.of(false, true)) {
            if (startUps.stream().anyMatch(s -> s.slow() == slow)) {
                summary.object(link(slow).replace(' ', '_'), new JsonObject()
                        .number("lazy_first_output_ms", spread(EstargzVariant.LAZY, slow,
                                EstargzReport::firstOutputSeconds).median() * 1000)
                        .number("normal_first_output_ms", spread(EstargzVariant.NORMAL, slow,
                                EstargzReport::firstOutputSeconds).median() * 1000)
                        .number("lazy_to_normal_first_output", ratio(slow, EstargzReport::firstOutputSeconds))
                        .number("lazy_to_normal_blob_bytes", ratio(slow, s -> s.blobBytes())));
            }
        }
        summary.number("lazy_peak_rss_bytes", peakRss(EstargzVariant.LAZY))
                .number("normal_peak_rss_bytes", peakRss(EstargzVariant.NORMAL));
        return new JsonObject().string("benchmark", "estargz").number("format", 1)
                .string("started_at", startedAt.toString())
                .object("machine", new JsonObject().number("nproc", host.nproc()).string("cpu", host.cpu())
                        .string("kernel", host.kernel()).string("java", host.java()).string("load_at_start", host.load()))
                .object("images", new JsonObject().string("large", large.specKey()).string("big", big.specKey()))
                .object("setup", setupJson)
                .object("settings", new JsonObject().number("repeat", options.repeat())
                        .number("slow_repeat", options.slowRepeat()).number("latency_ms", options.latency().toMillis())
                        .number("bits_per_second", options.bitsPerSecond()).bool("drop_caches", options.dropCaches()))
                .array("runs", runs).array("reads", readJson).object("summary", summary).toString();
    }

    private Spread spread(EstargzVariant v, boolean slow, ToDoubleFunction<EstargzSamples.StartUp> value) {
        return Spread.of(startUps.stream().filter(s -> s.variant() == v && s.slow() == slow)
                .map(s -> value.applyAsDouble(s)).toList());
    }

    private double ratio(boolean slow, ToDoubleFunction<EstargzSamples.StartUp> value) {
        return spread(EstargzVariant.LAZY, slow, value).median() / spread(EstargzVariant.NORMAL, slow, value).median();
    }

    private double normalColdMbPerSecond() {
        return reads.stream().flatMap(r -> r.reads().stream())
                .filter(r -> r.variant() == EstargzVariant.NORMAL).findFirst()
                .map(EstargzSamples.Read::mbPerSecond).orElse(Double.NaN);
    }

    private long peakRss(EstargzVariant v) {
        long fromStartUps = startUps.stream().filter(s -> s.variant() == v).mapToLong(s -> s.daemonPeakRss()).max()
                .orElse(0);
        long fromReads = reads.stream().filter(r -> r.reads().stream().anyMatch(x -> x.variant() == v))
                .mapToLong(EstargzRun.Reads::daemonPeakRss).max().orElse(0);
        return Math.max(fromStartUps, fromReads);
    }

    private static String link(boolean slow) {
        return slow ? "slow link" : "loopback";
    }

    private static double firstOutputSeconds(EstargzSamples.StartUp s) {
        return seconds(s.firstOutput());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double millis(Duration d) {
        return d.toNanos() / 1e6;
    }

    private static String fixed(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
