package org.cvmfsstargz.bench.startup;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.cvmfsstargz.bench.HostFacts;

/**
 * The figures of one benchmark run, as a plain-text table for people and one JSON line for
 * comparing runs: every start-up, then per variant the median, min and max of the start-up time
 * and the median registry bytes, and the CVMFS figures as a ratio to the normal pull's (the
 * baseline). Immutable; printing is its only effect.
 *
 * @param startedAt when the run began
 * @param host      the machine, and the filesystem under the temporary directory
 * @param options   what was asked
 * @param setup     how the image was made, pushed and ingested
 * @param image     the image
 * @param samples   every start-up, in the order made
 */
record StartupReport(Instant startedAt, HostFacts host, StartupOptions options, Setup setup, BenchImage image,
        List<Sample> samples) {
    private static final String ROW = "%-7s %5s %8s %8s %7s %8s %14s %14s %8s %6s %8s %8s %6s%n";
    /** Above this share of the CPUs taken by other processes during a run, its figures are flagged. */
    private static final double NOISY = 0.10;

    /**
     * The one-off work before the start-ups.
     *
     * @param tmp           the run's temporary directory
     * @param generated     how long generating the image took; empty if it was reused
     * @param push          uploading it to the registry
     * @param ingest        {@code ingest} of it into the stand-in repository, JVM start included
     * @param ingestSummary the summary line {@code ingest} printed
     */
    record Setup(Path tmp, Optional<Duration> generated, Duration push, Duration ingest, String ingestSummary) {}

    StartupReport {
        samples = List.copyOf(samples);
    }

    /** The spread of {@code figure} over the start-ups of {@code variant}. */
    Spread spread(Variant variant, ToDoubleFunction<Sample> figure) {
        return Spread.of(samples.stream().filter(s -> s.variant() == variant).map(s -> figure.applyAsDouble(s)).toList());
    }

    /** CVMFS median over normal median of {@code figure}. */
    double ratio(ToDoubleFunction<Sample> figure) {
        return spread(Variant.CVMFS, figure).median() / spread(Variant.NORMAL, figure).median();
    }

    static double firstOutputSeconds(Sample s) {
        return seconds(s.firstOutput());
    }

    static double blobBytes(Sample s) {
        return s.blobBytes();
    }

    void printTable(PrintStream out) {
        out.println("CVMFS start-up benchmark: `ctr run` to the container's first output, after a normal pull and"
                + " from CVMFS (a local directory standing in for the repository)");
        out.printf(Locale.ROOT, "machine  nproc=%d  cpu=%s  kernel=%s  java=%s  load=%s%n", host.nproc(), host.cpu(),
                host.kernel(), host.java(), host.load());
        out.printf(Locale.ROOT, "tmp      %s on %s (mounted on %s)%n", setup.tmp(), host.rootFsType(), host.rootMount());
        out.printf(Locale.ROOT, "image    %d layers (busybox + %d generated), %,d files, %,d bytes of files; tar %,d bytes,"
                + " gzip %,d bytes (%.2f of tar)%n", image.layers().size(), image.layers().size() - 1, image.files(),
                image.fileBytes(), image.tarBytes(), image.compressedBytes(),
                (double) image.compressedBytes() / image.tarBytes());
        out.printf(Locale.ROOT, "         %s %s%n", setup.generated().map(d -> String.format(Locale.ROOT,
                "generated in %.1f s in", seconds(d))).orElse("reused from"), image.dir());
        out.printf(Locale.ROOT, "setup    pushed to the registry in %.1f s; ingested into the stand-in repository in %.1f s"
                + " (%s)%n", seconds(setup.push()), seconds(setup.ingest()), setup.ingestSummary());
        out.printf(Locale.ROOT, "runs     %d per variant, alternating, each on a fresh containerd and daemon; normal = %s;"
                + " cvmfs = %s%n%n", options.repeat(), String.join(" ", Variant.NORMAL.pull("IMAGE", options.baseline())),
                String.join(" ", Variant.CVMFS.pull("IMAGE", options.baseline())));
        out.printf(Locale.ROOT, ROW, "variant", "round", "pull", "first", "run", "exit", "registry", "registry",
                "requests", "machine", "ours", "others", "daemon");
        out.printf(Locale.ROOT, ROW, "", "", "s", "output s", "s", "s", "blob bytes", "all bytes", "", "CPU s",
                "CPU s", "CPU %", "exit");
        for (Sample s : samples) {
            out.printf(Locale.ROOT, ROW, s.variant().label(), s.round(), decimal(seconds(s.pull()), 2),
                    decimal(seconds(s.firstOutput()), 2), decimal(seconds(s.runToFirstOutput()), 2),
                    decimal(seconds(s.exit()), 2), String.format(Locale.ROOT, "%,d", s.blobBytes()),
                    String.format(Locale.ROOT, "%,d", s.bodyBytes()), s.requests(),
                    s.machineCpu().map(d -> decimal(seconds(d), 1)).orElse("-"),
                    s.ourCpu().map(d -> decimal(seconds(d), 1)).orElse("-"),
                    s.othersShare().map(b -> decimal(b * 100, 0)).orElse("-"), s.daemonExit());
        }
        out.println();
        out.printf(Locale.ROOT, "%-13s %28s   %28s%n", "", "start-up s (first output)", "registry blob bytes");
        out.printf(Locale.ROOT, "%-13s %9s %9s %9s   %14s %13s%n", "", "median", "min", "max", "median", "max");
        for (Variant v : Variant.values()) {
            Spread time = spread(v, StartupReport::firstOutputSeconds);
            Spread bytes = spread(v, StartupReport::blobBytes);
            out.printf(Locale.ROOT, "%-13s %9.2f %9.2f %9.2f   %,14.0f %,13.0f%n", v.label(), time.median(), time.min(),
                    time.max(), bytes.median(), bytes.max());
        }
        double timeRatio = ratio(StartupReport::firstOutputSeconds);
        double bytesRatio = ratio(StartupReport::blobBytes);
        out.printf(Locale.ROOT, "%-13s %9.3f %19s   %14.3g%n", "cvmfs/normal", timeRatio, "", bytesRatio);
        out.printf(Locale.ROOT, "%nresult   from CVMFS the container printed its first output %.1f times sooner (%.2f s"
                + " against %.2f s), after %s times fewer registry bytes%n", 1 / timeRatio,
                spread(Variant.CVMFS, StartupReport::firstOutputSeconds).median(),
                spread(Variant.NORMAL, StartupReport::firstOutputSeconds).median(),
                bytesRatio == 0 ? "infinitely" : String.format(Locale.ROOT, "%,.0f", 1 / bytesRatio));
        long unclean = samples.stream().filter(s -> s.daemonExit() != 0).count();
        out.printf(Locale.ROOT, "after    every containerd, daemon and container stopped; daemon exit on SIGTERM: %s%n",
                unclean == 0 ? "0 in every run" : unclean + " run(s) not 0");
        if (samples.stream().anyMatch(s -> s.othersShare().orElse(0.0) > NOISY)) {
            out.printf(Locale.ROOT, "warning  other processes kept more than %.0f%% of the CPUs busy during some runs"
                    + " (others CPU %%): their times are longer than on a quiet machine%n", NOISY * 100);
        }
    }

    /** The same figures as one line of JSON; times in milliseconds (setup in seconds). */
    String jsonLine() {
        List<JsonObject> runs = samples.stream().map(s -> {
            JsonObject run = new JsonObject().string("variant", s.variant().label()).number("round", s.round())
                    .number("pull_ms", millis(s.pull())).number("first_output_ms", millis(s.firstOutput()))
                    .number("run_to_first_output_ms", millis(s.runToFirstOutput()))
                    .number("exit_ms", millis(s.exit())).number("registry_blob_bytes", s.blobBytes())
                    .number("registry_body_bytes", s.bodyBytes()).number("registry_requests", s.requests());
            s.machineCpu().ifPresent(d -> run.number("machine_cpu_s", seconds(d)));
            s.ourCpu().ifPresent(d -> run.number("our_cpu_s", seconds(d)));
            s.othersShare().ifPresent(b -> run.number("others_cpu_share", b));
            return run.number("daemon_exit", s.daemonExit());
        }).toList();
        JsonObject summary = new JsonObject();
        for (Variant v : Variant.values()) {
            summary.object(v.label(), new JsonObject()
                    .object("first_output_ms", spread(spread(v, s -> millis(s.firstOutput()))))
                    .object("pull_ms", spread(spread(v, s -> millis(s.pull()))))
                    .object("registry_blob_bytes", spread(spread(v, StartupReport::blobBytes))));
        }
        summary.object("cvmfs_to_normal", new JsonObject()
                .number("first_output", ratio(StartupReport::firstOutputSeconds))
                .number("registry_blob_bytes", ratio(StartupReport::blobBytes)));
        JsonObject imageJson = new JsonObject().number("layers", image.layers().size()).number("files", image.files())
                .number("file_bytes", image.fileBytes()).number("tar_bytes", image.tarBytes())
                .number("gzip_bytes", image.compressedBytes()).string("spec", image.specKey())
                .string("dir", image.dir().toString()).bool("reused", setup.generated().isEmpty());
        setup.generated().ifPresent(d -> imageJson.number("generated_s", seconds(d)));
        return new JsonObject().string("benchmark", "cvmfs-startup").number("format", 1)
                .string("started_at", startedAt.toString())
                .object("machine", new JsonObject().number("nproc", host.nproc()).string("cpu", host.cpu())
                        .string("kernel", host.kernel()).string("java", host.java())
                        .string("load_at_start", host.load()))
                .object("tmp", new JsonObject().string("dir", setup.tmp().toString()).string("fs", host.rootFsType())
                        .string("mount", host.rootMount()).string("df", host.rootDf()))
                .object("image", imageJson)
                .object("setup", new JsonObject().number("push_s", seconds(setup.push()))
                        .number("ingest_s", seconds(setup.ingest())).string("ingest_summary", setup.ingestSummary()))
                .object("settings", new JsonObject().number("repeat", options.repeat())
                        .string("baseline_snapshotter", options.baseline())
                        .string("normal", String.join(" ", Variant.NORMAL.pull("IMAGE", options.baseline())))
                        .string("cvmfs", String.join(" ", Variant.CVMFS.pull("IMAGE", options.baseline()))))
                .array("runs", runs)
                .object("summary", summary)
                .toString();
    }

    private static JsonObject spread(Spread s) {
        return new JsonObject().number("median", s.median()).number("min", s.min()).number("max", s.max());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static double millis(Duration d) {
        return Math.round(d.toNanos() / 1e3) / 1e3;
    }

    private static String decimal(double value, int places) {
        return String.format(Locale.ROOT, "%." + places + "f", value);
    }
}
