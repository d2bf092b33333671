package org.cvmfsstargz.bench.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.cvmfsstargz.bench.compare.Samples.CvmfsRun;
import org.cvmfsstargz.bench.compare.Summary.Metric;
import org.cvmfsstargz.bench.startup.JsonObject;

/** The CVMFS section's table (every sample, then medians and ratios) and JSON. Stateless. */
final class CvmfsTable {
    private static final String ROW = "%-12s %5s %7s %7s %11s %11s %8s %8s %9s %6s %5s %4s%n";

    static final Summary<CvmfsRun> SUMMARY = new Summary<>(List.of(
            new Metric<CvmfsRun>("pull s", "pull_s", c -> c.pull().toNanos() / 1e9, 2),
            new Metric<CvmfsRun>("run s", "run_s", c -> c.run().toNanos() / 1e9, 2),
            new Metric<CvmfsRun>("daemon CPU s", "daemon_cpu_s", c -> c.usage().daemonCpu().toNanos() / 1e9, 2),
            new Metric<CvmfsRun>("start CPU s", "daemon_start_cpu_s", c -> c.usage().startCpu().toNanos() / 1e9, 2),
            new Metric<CvmfsRun>("peak RSS MiB", "peak_rss_mib", c -> c.usage().peakRss() / 1048576.0, 0)),
            c -> "jdk from the tree", CvmfsRun::variant);

    private CvmfsTable() {}

    static void print(PrintStream out, List<CvmfsRun> runs, List<String> variants, List<Summary.Ratio> ratios) {
        out.println("CVMFS: CRI PullImage of the 6-layer JDK image with its layers in a local tree (DUCC's layout),"
                + " then ctr run --rm of its workload");
        out.printf(Locale.ROOT, ROW, "variant", "round", "pull s", "run s", "layer", "all blob", "daemon", "daemon",
                "container", "others", "conn", "exit");
        out.printf(Locale.ROOT, ROW, "", "", "", "", "bytes", "bytes", "CPU s", "RSS MiB", "CPU s", "CPU %", "fails",
                "");
        for (CvmfsRun c : runs) {
            out.printf(Locale.ROOT, ROW, c.variant(), c.round(), StartupTable.fixed(c.pull().toNanos()),
                    StartupTable.fixed(c.run().toNanos()), String.format(Locale.ROOT, "%,d", c.layerBlobBytes()),
                    String.format(Locale.ROOT, "%,d", c.blobBytes()), StartupTable.fixed(c.usage().daemonCpu().toNanos()),
                    String.format(Locale.ROOT, "%.0f", c.usage().peakRss() / 1048576.0),
                    c.usage().containerCpu().map(x -> StartupTable.fixed(x.toNanos())).orElse("-"),
                    StartupTable.others(c.usage()), c.usage().connectFailures(), c.usage().exit());
        }
        out.println("(run s: from the end of the pull to the container's first output)");
        out.println();
        SUMMARY.print(out, runs, variants, ratios);
    }

    static List<JsonObject> rows(List<CvmfsRun> runs) {
        return runs.stream().map(c -> new JsonObject().string("variant", c.variant()).number("round", c.round())
                .number("pull_ms", c.pull().toNanos() / 1e6).number("run_ms", c.run().toNanos() / 1e6)
                .number("registry_layer_bytes", c.layerBlobBytes()).number("registry_blob_bytes", c.blobBytes())
                .object("usage", StartupTable.usage(c.usage()))).toList();
    }
}
