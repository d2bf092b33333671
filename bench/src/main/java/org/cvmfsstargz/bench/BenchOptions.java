package org.cvmfsstargz.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link ApiBenchmark}, parsed and validated once. Immutable.
 *
 * @param daemonJar  the daemon's executable jar (its {@code lib/} beside it)
 * @param java       the {@code java} binary that runs the daemon
 * @param jvmOptions extra options for the daemon's JVM (e.g. to record a JFR profile); none by
 *                   default, so the daemon runs as its jar is run in production
 * @param tmp        where the daemon's temporary root and socket are made; its filesystem is the
 *                   one measured
 * @param clients    the concurrency levels, run in this order
 * @param jitWarmup  before any run, how long both workloads are driven (a quarter of it Stat, the
 *                   rest cycles) with the most clients, so that both JVMs compile the hot paths:
 *                   C2 wants thousands of calls of a method, and a cold daemon makes a few hundred
 *                   cycles a second
 * @param warmup     calls made and discarded before each measured run
 * @param measure    each measured run
 * @param jsonOut    a file the JSON line is also appended to
 */
record BenchOptions(Path daemonJar, Path java, List<String> jvmOptions, Path tmp, List<Integer> clients,
        Duration jitWarmup, Budget warmup, Budget measure, Optional<Path> jsonOut) {

    static final String USAGE = """
            usage: run-api-bench [options]
              --jar FILE         the daemon jar (run-api-bench passes snapshotter/target/cvmfs-stargz-snapshotter.jar)
              --java FILE        java binary for the daemon (default: the one running the benchmark)
              --daemon-jvm-option OPT  an option for the daemon's JVM, e.g.
                                 -XX:StartFlightRecording=filename=/tmp/d.jfr (repeatable; default: none)
              --tmp DIR          parent of the daemon's temporary root and socket (default: /tmp)
              --clients LIST     concurrent clients, comma-separated (default: 1,8)
              --jit-warmup SECONDS  before the first run, Stat (1/4) then cycles (3/4) with the
                                 most clients, so both JVMs compile the hot paths (default: 16)
              --warmup SECONDS   warm-up before each measured run (default: 1)
              --duration SECONDS each measured run (default: 7)
              --warmup-ops N     warm-up of N calls per client instead of --warmup
              --ops N            N measured calls per client instead of --duration
              --json-out FILE    also append the JSON line to FILE
              --help             this text
            """;

    BenchOptions {
        jvmOptions = List.copyOf(jvmOptions);
        clients = List.copyOf(clients);
        if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1)) {
            throw new IllegalArgumentException("--clients needs one or more counts of at least 1, got " + clients);
        }
        if (!Files.isRegularFile(daemonJar)) {
            throw new IllegalArgumentException("--jar " + daemonJar + " is not a file; build it with"
                    + " `mvn -DskipTests package -pl bench -am` or run bench/run-api-bench");
        }
        if (measure instanceof Budget.Counted(long n) && n == 0
                || measure instanceof Budget.Timed(Duration d) && d.isZero()) {
            throw new IllegalArgumentException("--ops and --duration must be more than zero");
        }
        if (!Files.isDirectory(tmp)) {
            throw new IllegalArgumentException("--tmp " + tmp + " is not a directory");
        }
    }

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad flag. */
    static BenchOptions parse(String[] args) {
        Optional<Path> jar = Optional.empty();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> jvmOptions = new ArrayList<>();
        Path tmp = Path.of("/tmp");
        List<Integer> clients = List.of(1, 8);
        Duration jitWarmup = Duration.ofSeconds(16);
        Budget warmup = new Budget.Timed(Duration.ofSeconds(1));
        Budget measure = new Budget.Timed(Duration.ofSeconds(7));
        Optional<Path> jsonOut = Optional.empty();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String flag = rest.removeFirst();
            switch (flag) {
                case "--jar" -> jar = Optional.of(Path.of(value(flag, rest)));
                case "--java" -> java = Path.of(value(flag, rest));
                case "--daemon-jvm-option" -> jvmOptions.add(value(flag, rest));
                case "--tmp" -> tmp = Path.of(value(flag, rest));
                case "--clients" -> clients = counts(flag, value(flag, rest));
                case "--jit-warmup" -> jitWarmup = seconds(flag, value(flag, rest));
                case "--warmup" -> warmup = new Budget.Timed(seconds(flag, value(flag, rest)));
                case "--duration" -> measure = new Budget.Timed(seconds(flag, value(flag, rest)));
                case "--warmup-ops" -> warmup = new Budget.Counted(number(flag, value(flag, rest)));
                case "--ops" -> measure = new Budget.Counted(number(flag, value(flag, rest)));
                case "--json-out" -> jsonOut = Optional.of(Path.of(value(flag, rest)));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        Path daemonJar = jar.orElseThrow(() -> new IllegalArgumentException("--jar is required"));
        return new BenchOptions(daemonJar, java, jvmOptions, tmp, clients, jitWarmup, warmup, measure, jsonOut);
    }

    private static String value(String flag, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return rest.removeFirst();
    }

    private static List<Integer> counts(String flag, String value) {
        try {
            return Arrays.stream(value.split(",")).map(String::strip).map(Integer::parseInt).toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes numbers separated by commas, got \"" + value + "\"");
        }
    }

    private static Duration seconds(String flag, String value) {
        try {
            double seconds = Double.parseDouble(value);
            if (seconds < 0 || Double.isNaN(seconds)) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes seconds (e.g. 2 or 0.5), got \"" + value + "\"");
        }
    }

    private static long number(String flag, String value) {
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a count of zero or more, got \"" + value + "\"");
        }
    }
}
