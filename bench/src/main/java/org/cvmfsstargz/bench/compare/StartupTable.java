package org.cvmfsstargz.bench.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.cvmfsstargz.bench.compare.Samples.StartUp;
import org.cvmfsstargz.bench.compare.Samples.Usage;
import org.cvmfsstargz.bench.compare.Summary.Metric;
import org.cvmfsstargz.bench.startup.JsonObject;

/** The start-up section's table (every sample, then medians and ratios) and JSON. Stateless. */
final class StartupTable {
    private static final String ROW = "%-10s %-9s %-12s %5s %7s %9s %14s %8s %8s %8s %9s %6s %5s %4s%n";

    static final Summary<StartUp> SUMMARY = new Summary<>(List.of(
            new Metric<StartUp>("first output s", "first_output_s", s -> seconds(s.firstOutput().toNanos()), 2),
            new Metric<StartUp>("pull s", "pull_s", s -> seconds(s.pull().toNanos()), 2),
            new Metric<StartUp>("daemon CPU s", "daemon_cpu_s", s -> seconds(s.usage().daemonCpu().toNanos()), 2),
            new Metric<StartUp>("start CPU s", "daemon_start_cpu_s", s -> seconds(s.usage().startCpu().toNanos()), 2),
            new Metric<StartUp>("peak RSS MiB", "peak_rss_mib", s -> s.usage().peakRss() / 1048576.0, 0),
            new Metric<StartUp>("registry bytes", "registry_blob_bytes", StartUp::blobBytes, 0)),
            s -> s.image() + ", " + s.link().label(), StartUp::variant);

    private StartupTable() {}

    static void print(PrintStream out, List<StartUp> samples, List<String> variants, List<Summary.Ratio> ratios) {
        out.println("start-up: ctr-remote image rpull, then ctr run --rm of the workload; each sample cold");
        out.printf(Locale.ROOT, ROW, "image", "link", "variant", "round", "pull s", "first", "registry", "requests",
                "daemon", "daemon", "container", "others", "conn", "exit");
        out.printf(Locale.ROOT, ROW, "", "", "", "", "", "output s", "blob bytes", "", "CPU s", "RSS MiB", "CPU s",
                "CPU %", "fails", "");
        for (StartUp s : samples) {
            Usage u = s.usage();
            out.printf(Locale.ROOT, ROW, s.image(), s.link().option(), s.variant(), s.round(),
                    fixed(s.pull().toNanos()), fixed(s.firstOutput().toNanos()),
                    String.format(Locale.ROOT, "%,d", s.blobBytes()), s.requests(), fixed(u.daemonCpu().toNanos()),
                    String.format(Locale.ROOT, "%.0f", u.peakRss() / 1048576.0),
                    u.containerCpu().map(c -> fixed(c.toNanos())).orElse("-"), others(u), u.connectFailures(),
                    u.exit());
        }
        out.println();
        SUMMARY.print(out, samples, variants, ratios);
    }

    static List<JsonObject> rows(List<StartUp> samples) {
        return samples.stream().map(s -> new JsonObject().string("image", s.image()).string("link", s.link().label())
                .string("variant", s.variant()).number("round", s.round())
                .number("pull_ms", s.pull().toNanos() / 1e6).number("first_output_ms", s.firstOutput().toNanos() / 1e6)
                .number("registry_blob_bytes", s.blobBytes()).number("requests", s.requests())
                .object("usage", usage(s.usage()))).toList();
    }

    static JsonObject usage(Usage u) {
        JsonObject j = new JsonObject().number("daemon_cpu_ms", u.daemonCpu().toNanos() / 1e6)
                .number("daemon_start_cpu_ms", u.startCpu().toNanos() / 1e6)
                .number("daemon_peak_rss_bytes", u.peakRss()).number("daemon_exit", u.exit())
                .number("first_connect_failures", u.connectFailures());
        u.containerCpu().ifPresent(c -> j.number("container_cpu_ms", c.toNanos() / 1e6));
        u.othersShare().ifPresent(o -> j.number("others_cpu_share", o));
        return j;
    }

    static String others(Usage u) {
        return u.othersShare().map(o -> String.format(Locale.ROOT, "%.0f", o * 100)).orElse("-");
    }

    static String fixed(long nanos) {
        return String.format(Locale.ROOT, "%.2f", seconds(nanos));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
