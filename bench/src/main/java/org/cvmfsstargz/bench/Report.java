package org.cvmfsstargz.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The figures of one benchmark run, as a small plain-text table for people and one JSON line
 * for comparing runs. Each {@code cycle} row is also given as a ratio to the {@code stat-miss}
 * row with the same number of clients: the cost of the work against the cost of the transport.
 * Immutable; printing is its only effect.
 *
 * @param startedAt when the run began
 * @param host      the machine and the root's filesystem
 * @param options   what was asked
 * @param daemon    the daemon process and the state it was left in
 * @param results   the measured runs, in the order made
 */
record Report(Instant startedAt, HostFacts host, BenchOptions options, Daemon daemon, List<Measurement> results) {
    private static final String ROW = "%-10s %7s %9s %9s %9s %9s %6s %10s %10s %7s %7s %7s %7s%n";
    /** Above this share of the CPUs busy with other work, a run's figures are flagged. */
    private static final double NOISY = 0.10;

    /**
     * The daemon process, and what the runs left behind.
     *
     * @param pid            its process id
     * @param root           its temporary root
     * @param startup        from exec until the socket accepted a connection
     * @param snapshotsLeft  snapshots its List returned after the runs (failed cycles leave some)
     * @param dirsLeft       snapshot directories on disk after the runs, awaiting background cleanup
     * @param stopped        how it went on SIGTERM
     * @param logProblems    WARN and ERROR lines of its log
     */
    record Daemon(long pid, String root, Duration startup, long snapshotsLeft, long dirsLeft,
            DaemonLauncher.Stopped stopped, List<String> logProblems) {
        Daemon {
            logProblems = List.copyOf(logProblems);
        }
    }

    Report {
        results = List.copyOf(results);
    }

    /** For a cycle run, the last stat-miss run before it with as many clients; none for a stat-miss run. */
    Optional<Measurement> baselineOf(Measurement m) {
        if (m.workload().equals(ApiBenchmark.BASELINE)) {
            return Optional.empty();
        }
        Optional<Measurement> base = Optional.empty();
        for (Measurement r : results) {
            if (r == m) {
                break;
            }
            if (r.workload().equals(ApiBenchmark.BASELINE) && r.clients() == m.clients()) {
                base = Optional.of(r);
            }
        }
        return base;
    }

    void printTable(PrintStream out) {
        out.println("Snapshots API benchmark: Prepare+Commit+Remove cycles against a Stat round trip, over the"
                + " daemon's Unix socket");
        out.printf(Locale.ROOT, "machine  nproc=%d  cpu=%s  kernel=%s  java=%s  load=%s%n", host.nproc(),
                host.cpu(), host.kernel(), host.java(), host.load());
        out.printf(Locale.ROOT, "daemon   pid %d, serving %d ms after exec, built-in config; root %s on %s"
                + " (mounted on %s)%n", daemon.pid(), daemon.startup().toMillis(), daemon.root(), host.rootFsType(),
                host.rootMount());
        out.println("         df -PT root: " + host.rootDf());
        out.printf(Locale.ROOT, "runs     JIT warm-up %.1f s; then each row: warm-up %s, measured %s; the clients"
                + " share one channel, as containerd's do%n%n", options.jitWarmup().toMillis() / 1e3, options.warmup(),
                options.measure());
        out.printf(Locale.ROOT, ROW, "workload", "clients", "ops/s", "p50 us", "p99 us", "max us", "errors",
                "daemon", "bench", "others", "p50", "p99", "ops/s");
        out.printf(Locale.ROOT, ROW, "", "", "", "", "", "", "", "CPU us/op", "CPU us/op", "CPU %", "x base",
                "x base", "base/x");
        for (Measurement m : results) {
            Optional<Measurement> base = baselineOf(m);
            out.printf(Locale.ROOT, ROW, m.workload(), m.clients(), decimal(m.operationsPerSecond(), 1),
                    decimal(m.p50Nanos() / 1e3, 1), decimal(m.p99Nanos() / 1e3, 1), decimal(m.maxNanos() / 1e3, 1),
                    m.errors(), decimal(m.daemonCpuMicrosPerOperation(), 1),
                    decimal(m.clientCpuMicrosPerOperation(), 1),
                    decimal(m.othersShare(host.nproc()).map(s -> s * 100), 0),
                    decimal(base.map(b -> ratio(m.p50Nanos(), b.p50Nanos())), 2),
                    decimal(base.map(b -> ratio(m.p99Nanos(), b.p99Nanos())), 2),
                    decimal(base.map(b -> b.operationsPerSecond() / m.operationsPerSecond()), 2));
        }
        out.println();
        out.printf(Locale.ROOT, "after    %d snapshots listed, %d snapshot directories still on disk; SIGTERM:"
                + " exit %d in %d ms; daemon log: %d WARN/ERROR lines%n", daemon.snapshotsLeft(), daemon.dirsLeft(),
                daemon.stopped().exitStatus(), daemon.stopped().took().toMillis(), daemon.logProblems().size());
        daemon.logProblems().stream().limit(10).forEach(line -> out.println("         " + line));
        results.stream().flatMap(m -> m.firstError().stream()).forEach(e -> out.println("error    " + e));
        if (results.stream().anyMatch(m -> m.othersShare(host.nproc()).orElse(0.0) > NOISY)) {
            out.printf(Locale.ROOT, "warning  other processes kept more than %.0f%% of the CPUs busy during some runs"
                    + " (others CPU %%): their figures are low; rerun on a quiet machine%n", NOISY * 100);
        }
    }

    /** The same figures as one line of JSON; times in microseconds, rates per second. */
    String jsonLine() {
        StringJoiner runs = new StringJoiner(",", "[", "]");
        for (Measurement m : results) {
            StringJoiner run = new StringJoiner(",", "{", "}")
                    .add(field("workload", m.workload())).add(number("clients", m.clients()))
                    .add(number("ops", m.operations())).add(number("errors", m.errors()))
                    .add(number("seconds", m.elapsed().toNanos() / 1e9))
                    .add(number("ops_per_s", m.operationsPerSecond()))
                    .add(number("p50_us", m.p50Nanos() / 1e3)).add(number("p99_us", m.p99Nanos() / 1e3))
                    .add(number("max_us", m.maxNanos() / 1e3));
            m.daemonCpuMicrosPerOperation().ifPresent(v -> run.add(number("daemon_cpu_us_per_op", v)));
            m.clientCpuMicrosPerOperation().ifPresent(v -> run.add(number("bench_cpu_us_per_op", v)));
            m.othersShare(host.nproc()).ifPresent(v -> run.add(number("others_cpu_share", v)));
            baselineOf(m).ifPresent(b -> run
                    .add(number("p50_x_base", ratio(m.p50Nanos(), b.p50Nanos())))
                    .add(number("p99_x_base", ratio(m.p99Nanos(), b.p99Nanos())))
                    .add(number("base_ops_per_op", b.operationsPerSecond() / m.operationsPerSecond())));
            runs.add(run.toString());
        }
        return new StringJoiner(",", "{", "}")
                .add(field("benchmark", "snapshots-api")).add(number("format", 1))
                .add(field("started_at", startedAt.toString()))
                .add("\"machine\":" + new StringJoiner(",", "{", "}")
                        .add(number("nproc", host.nproc())).add(field("cpu", host.cpu()))
                        .add(field("kernel", host.kernel())).add(field("java", host.java()))
                        .add(field("load_at_start", host.load())))
                .add("\"daemon\":" + new StringJoiner(",", "{", "}")
                        .add(field("root", daemon.root())).add(field("root_fs", host.rootFsType()))
                        .add(field("root_mount", host.rootMount())).add(field("root_df", host.rootDf()))
                        .add(field("config", "built-in defaults"))
                        .add(number("startup_ms", daemon.startup().toMillis()))
                        .add(number("snapshots_left", daemon.snapshotsLeft()))
                        .add(number("dirs_left", daemon.dirsLeft()))
                        .add(number("exit_status", daemon.stopped().exitStatus()))
                        .add(number("stop_ms", daemon.stopped().took().toMillis()))
                        .add(number("log_problems", daemon.logProblems().size())))
                .add("\"settings\":" + new StringJoiner(",", "{", "}")
                        .add(number("jit_warmup_s", options.jitWarmup().toMillis() / 1e3))
                        .add(field("warmup", options.warmup().toString()))
                        .add(field("measure", options.measure().toString()))
                        .add("\"clients\":" + options.clients().toString().replace(" ", "")))
                .add("\"runs\":" + runs)
                .toString();
    }

    private static double ratio(long value, long base) {
        return base == 0 ? 0 : (double) value / base;
    }

    private static String decimal(Optional<Double> value, int places) {
        return value.map(v -> decimal(v, places)).orElse("-");
    }

    private static String decimal(double value, int places) {
        return String.format(Locale.ROOT, "%." + places + "f", value);
    }

    private static String field(String name, String value) {
        return quote(name) + ":" + quote(value);
    }

    private static String number(String name, double value) {
        return quote(name) + ":" + (value == Math.rint(value) && Math.abs(value) < 1e15
                ? Long.toString((long) value)
                : String.format(Locale.ROOT, "%.3f", value));
    }

    private static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
