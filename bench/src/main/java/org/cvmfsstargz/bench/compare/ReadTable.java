package org.cvmfsstargz.bench.compare;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.cvmfsstargz.bench.compare.Samples.Read;
import org.cvmfsstargz.bench.compare.Summary.Metric;
import org.cvmfsstargz.bench.startup.JsonObject;

/** The whole-image read's table (every pass, then medians and ratios) and JSON. Stateless. */
final class ReadTable {
    private static final String ROW = "%-12s %5s %-5s %8s %7s %15s %14s %8s %8s %9s %6s %5s %4s%n";

    static final Summary<Read> SUMMARY = new Summary<>(List.of(
            new Metric<Read>("read s", "read_s", r -> r.time().toNanos() / 1e9, 2),
            new Metric<Read>("MB/s", "mb_per_s", Read::mbPerSecond, 0),
            new Metric<Read>("daemon CPU s", "daemon_cpu_s", r -> r.usage().daemonCpu().toNanos() / 1e9, 2),
            new Metric<Read>("peak RSS MiB", "peak_rss_mib", r -> r.usage().peakRss() / 1048576.0, 0),
            new Metric<Read>("registry bytes", "registry_blob_bytes", Read::blobBytes, 0)),
            r -> r.pass() + " pass", Read::variant);

    private ReadTable() {}

    static void print(PrintStream out, List<Read> reads, List<String> variants, List<Summary.Ratio> ratios) {
        out.println("whole-image read of the JDK image: find /usr -type f -exec cat {} +, cold (fresh snapshotter,"
                + " page cache dropped) then warm (a second container)");
        out.printf(Locale.ROOT, ROW, "variant", "round", "pass", "read s", "MB/s", "bytes read", "registry",
                "daemon", "daemon", "container", "others", "conn", "exit");
        out.printf(Locale.ROOT, ROW, "", "", "", "", "", "", "blob bytes", "CPU s", "RSS MiB", "CPU s", "CPU %",
                "fails", "");
        for (Read r : reads) {
            out.printf(Locale.ROOT, ROW, r.variant(), r.round(), r.pass(), StartupTable.fixed(r.time().toNanos()),
                    String.format(Locale.ROOT, "%.0f", r.mbPerSecond()), String.format(Locale.ROOT, "%,d",
                            r.bytesRead()), String.format(Locale.ROOT, "%,d", r.blobBytes()),
                    StartupTable.fixed(r.usage().daemonCpu().toNanos()),
                    String.format(Locale.ROOT, "%.0f", r.usage().peakRss() / 1048576.0),
                    r.usage().containerCpu().map(c -> StartupTable.fixed(c.toNanos())).orElse("-"),
                    StartupTable.others(r.usage()), r.usage().connectFailures(), r.usage().exit());
        }
        out.println("(daemon CPU: during the pass; peak RSS: after the pass)");
        out.println();
        SUMMARY.print(out, reads, variants, ratios);
    }

    static List<JsonObject> rows(List<Read> reads) {
        return reads.stream().map(r -> new JsonObject().string("variant", r.variant()).number("round", r.round())
                .string("pass", r.pass()).number("read_ms", r.time().toNanos() / 1e6)
                .number("bytes_read", r.bytesRead()).number("registry_blob_bytes", r.blobBytes())
                .object("usage", StartupTable.usage(r.usage()))).toList();
    }
}
