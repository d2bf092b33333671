package org.cvmfsstargz.bench.startup;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The command line of {@link EstargzBenchmark}, parsed and validated once. Immutable.
 *
 * @param daemonJar  the daemon's executable jar (its {@code lib/} beside it)
 * @param java       the {@code java} binary that runs the daemon
 * @param tmp        parent of the run's temporary directory (registry, containerd and daemon state, chunk caches)
 * @param repeat     start-ups per variant over loopback
 * @param slowRepeat start-ups per variant over the slow link (0: none)
 * @param latency    added to each request and connection on the slow link
 * @param bitsPerSecond the slow link's bandwidth
 * @param image      the large image of many files, for the start-ups
 * @param bigFile    the image of one large file, for the read throughput
 * @param imageDir   where to keep both generated images between runs
 * @param dropCaches whether to drop the kernel's page cache before each timed read
 * @param jsonOut    a file the JSON line is also appended to
 */
record EstargzOptions(Path daemonJar, Path java, Path tmp, int repeat, int slowRepeat, Duration latency,
        long bitsPerSecond, ImageSpec image, ImageSpec bigFile, Optional<Path> imageDir, boolean dropCaches,
        Optional<Path> jsonOut) {
    private static final long MIB = 1024 * 1024;

    static final String USAGE = """
            usage: run-estargz-bench [options]
              --jar FILE          the daemon jar (run-estargz-bench passes snapshotter/target/cvmfs-stargz-snapshotter.jar)
              --java FILE         java binary for the daemon (default: the one running the benchmark)
              --tmp DIR           parent of the run's temporary directory (default: /tmp); needs about 6 times
                                  the image free
              --repeat N          start-ups of each variant over loopback (default: 3)
              --slow-repeat N     start-ups of each variant over the slow link (default: 2; 0 for none)
              --latency-ms N      added to each request and each connection on the slow link (default: 20)
              --mbit N            bandwidth of the slow link, Mbit/s, all connections together (default: 100)
              --image-mib N       MiB of file content in the large image (default: 1024)
              --image-files N     files in the large image, besides busybox (default: 40000)
              --image-layers N    layers of generated files in the large image (default: 5)
              --big-file-mib N    size of the one file of the throughput image, MiB (default: 512)
              --image-dir DIR     keep both generated images (OCI layouts) under DIR and reuse them
              --no-drop-caches    do not drop the kernel's page cache before each timed read
              --json-out FILE     also append the JSON line to FILE
              --help              this text
            """;

    EstargzOptions {
        StartupOptions.requireUsable(daemonJar, java, tmp, "bench/run-estargz-bench");
        if (repeat < 1 || repeat > StartupOptions.MAX_REPEAT || slowRepeat > StartupOptions.MAX_REPEAT) {
            throw new IllegalArgumentException("--repeat must be 1 to " + StartupOptions.MAX_REPEAT
                    + " and --slow-repeat 0 to " + StartupOptions.MAX_REPEAT);
        }
        if (bitsPerSecond < 1_000_000) {
            throw new IllegalArgumentException("--mbit must be at least 1");
        }
        if (bigFile.files() != 1 || bigFile.layers() != 1) {
            throw new IllegalArgumentException("the throughput image holds one file in one layer");
        }
    }

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad option. */
    static EstargzOptions parse(String[] args) {
        Optional<Path> jar = Optional.empty();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path tmp = Path.of("/tmp");
        long repeat = 3;
        long slowRepeat = 2;
        long latencyMs = 20;
        long mbit = 100;
        long mib = 1024;
        long files = 40_000;
        long layers = 5;
        long bigMib = 512;
        boolean dropCaches = true;
        Optional<Path> imageDir = Optional.empty();
        Optional<Path> jsonOut = Optional.empty();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String flag = rest.removeFirst();
            switch (flag) {
                case "--jar" -> jar = Optional.of(Path.of(value(flag, rest)));
                case "--java" -> java = Path.of(value(flag, rest));
                case "--tmp" -> tmp = Path.of(value(flag, rest));
                case "--repeat" -> repeat = number(flag, rest, 1000);
                case "--slow-repeat" -> slowRepeat = number(flag, rest, 1000);
                case "--latency-ms" -> latencyMs = number(flag, rest, 10_000);
                case "--mbit" -> mbit = number(flag, rest, 1_000_000);
                case "--image-mib" -> mib = number(flag, rest, 1L << 30);
                case "--image-files" -> files = number(flag, rest, Integer.MAX_VALUE);
                case "--image-layers" -> layers = number(flag, rest, Integer.MAX_VALUE);
                case "--big-file-mib" -> bigMib = number(flag, rest, 1L << 30);
                case "--image-dir" -> imageDir = Optional.of(Path.of(value(flag, rest)));
                case "--no-drop-caches" -> dropCaches = false;
                case "--json-out" -> jsonOut = Optional.of(Path.of(value(flag, rest)));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        Path daemonJar = jar.orElseThrow(() -> new IllegalArgumentException("--jar is required"));
        return new EstargzOptions(daemonJar, java, tmp, (int) repeat, (int) slowRepeat, Duration.ofMillis(latencyMs),
                mbit * 1_000_000, new ImageSpec((int) layers, (int) files, mib * MIB, 1),
                new ImageSpec(1, 1, bigMib * MIB, 2), imageDir, dropCaches, jsonOut);
    }

    private static String value(String flag, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return rest.removeFirst();
    }

    private static long number(String flag, List<String> rest, long max) {
        String value = value(flag, rest);
        try {
            long n = Long.parseLong(value.strip());
            if (n < 0 || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + " takes a whole number from 0 to " + max + ", got \"" + value
                    + "\"");
        }
    }
}
