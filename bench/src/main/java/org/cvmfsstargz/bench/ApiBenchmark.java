package org.cvmfsstargz.bench;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Entry point of the Snapshots API benchmark: starts the real daemon on a temporary root,
 * measures Prepare+Commit+Remove cycles and, as the baseline, a Stat that answers NOT_FOUND,
 * each with every configured number of clients after a warm-up, then stops the daemon and
 * prints a table and one JSON line to stdout (progress goes to stderr). The composition root
 * of this package. Exits 0, 1 if a call failed or a snapshot was left behind, 2 on bad usage.
 */
public final class ApiBenchmark {
    static final String BASELINE = "stat-miss";
    static final String CYCLE = "cycle";
    /**
     * Netty warns through java.util.logging, on every connection, that Unix sockets have no
     * SO_KEEPALIVE (grpc-java sets it on all channels): noise, as the daemon's logback.xml says
     * too. Held here because the logging framework keeps loggers only weakly.
     */
    private static final java.util.logging.Logger NETTY =
            java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty");

    private ApiBenchmark() {}

    public static void main(String[] args) {
        NETTY.setLevel(java.util.logging.Level.SEVERE);
        BenchMain.run("api-bench", BenchOptions.USAGE, args, BenchOptions::parse, ApiBenchmark::run);
    }

    private static int run(BenchOptions options) throws IOException {
        Instant startedAt = Instant.now();
        progress("starting the daemon from " + options.daemonJar());
        DaemonLauncher daemon = DaemonLauncher.start(options.java(), options.jvmOptions(), options.daemonJar(),
                options.tmp());
        Thread onInterrupt = new Thread(daemon::close, "stop-daemon");
        Runtime.getRuntime().addShutdownHook(onInterrupt); // Ctrl-C must not leave a daemon behind
        try (daemon) {
            HostFacts host = HostFacts.of(daemon.root());
            List<Measurement> results;
            long snapshotsLeft;
            try (ApiCalls api = new ApiCalls(daemon.socket())) {
                results = measureAll(options, api, new ClosedLoop(() -> CpuClock.read(daemon::cpuTime)));
                snapshotsLeft = api.countSnapshots();
            }
            long dirsLeft = daemon.snapshotDirectories();
            DaemonLauncher.Stopped stopped = daemon.stop();
            List<String> problems = daemon.log().lines()
                    .filter(l -> l.contains("level=WARN") || l.contains("level=ERROR") || l.contains("Exception"))
                    .toList();
            Report report = new Report(startedAt, host, options, new Report.Daemon(daemon.pid(),
                    daemon.root().toString(), daemon.startup(), snapshotsLeft, dirsLeft, stopped, problems), results);
            report.printTable(System.out);
            JsonLineOutput.emit(report.jsonLine(), options.jsonOut());
            long errors = results.stream().mapToLong(Measurement::errors).sum();
            return errors == 0 && snapshotsLeft == 0 ? 0 : 1;
        } finally {
            removeHook(onInterrupt);
        }
    }

    /**
     * After the JIT warm-up (see {@link BenchOptions#jitWarmup()}), for each number of clients:
     * the baseline, then the cycle; each warmed up, then measured.
     */
    private static List<Measurement> measureAll(BenchOptions options, ApiCalls api, ClosedLoop loop) {
        if (!options.jitWarmup().isZero()) {
            int most = options.clients().stream().mapToInt(Integer::intValue).max().orElseThrow();
            // A quarter on Stat, which makes thousands of calls a second; the rest on cycles, which
            // make a hundred or so and reach the JIT's thresholds much later.
            Budget stat = new Budget.Timed(options.jitWarmup().dividedBy(4));
            Budget cycle = new Budget.Timed(options.jitWarmup().minus(options.jitWarmup().dividedBy(4)));
            progress(String.format(Locale.ROOT, "JIT warm-up, %d client(s): %s of %s, then %s of %s", most, stat,
                    BASELINE, cycle, CYCLE));
            loop.run(BASELINE, most, stat, api.statMissing());
            loop.run(CYCLE, most, cycle, api.cycle());
        }
        List<Measurement> results = new ArrayList<>();
        for (int clients : options.clients()) {
            for (String workload : List.of(BASELINE, CYCLE)) {
                progress(String.format(Locale.ROOT, "%s, %d client(s): warm-up %s", workload, clients,
                        options.warmup()));
                loop.run(workload, clients, options.warmup(), operation(api, workload));
                progress(String.format(Locale.ROOT, "%s, %d client(s): measuring %s", workload, clients,
                        options.measure()));
                results.add(loop.run(workload, clients, options.measure(), operation(api, workload)));
            }
        }
        return results;
    }

    private static ClosedLoop.Operation operation(ApiCalls api, String workload) {
        return workload.equals(BASELINE) ? api.statMissing() : api.cycle();
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The JVM is already exiting; the hook runs and finds the daemon closed.
        }
    }

    private static void progress(String message) {
        System.err.println("api-bench: " + message);
    }
}
