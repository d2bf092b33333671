package org.cvmfsstargz.bench.startup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.it.support.ContainerdProcess;

/**
 * The command line of {@link CvmfsStartupBenchmark}, parsed and validated once. Immutable.
 *
 * @param daemonJar the daemon's executable jar (its {@code lib/} beside it): serves, and ingests
 * @param java      the {@code java} binary that runs the daemon and {@code ingest}
 * @param tmp       parent of the run's temporary directory (registry, stand-in repository,
 *                  containerd and daemon state); its filesystem is part of what is measured
 * @param repeat    start-ups per variant
 * @param baseline  the snapshotter the normal pull unpacks into: {@value #SNAPSHOTTER} (this
 *                  daemon, the image on no repository) or {@code overlayfs} (containerd's own)
 * @param image     the image to generate
 * @param imageDir  where to keep the generated image between runs
 * @param jsonOut   a file the JSON line is also appended to
 */
record StartupOptions(Path daemonJar, Path java, Path tmp, int repeat, String baseline, ImageSpec image,
        Optional<Path> imageDir, Optional<Path> jsonOut) {
    /** Our proxy snapshotter's name in containerd's configuration. */
    static final String SNAPSHOTTER = ContainerdProcess.SNAPSHOTTER;
    static final List<String> BASELINES = List.of(SNAPSHOTTER, "overlayfs");
    static final int MAX_REPEAT = 50;
    private static final long MIB = 1024 * 1024;

    static final String USAGE = """
            usage: run-cvmfs-bench [options]
              --jar FILE          the daemon jar (run-cvmfs-bench passes snapshotter/target/cvmfs-stargz-snapshotter.jar)
              --java FILE         java binary for the daemon and its ingest (default: the one running the benchmark)
              --tmp DIR           parent of the run's temporary directory (default: /tmp); needs free space
                                  of about 4 times the image
              --repeat N          start-ups of each variant, on a fresh containerd and daemon each (default: 3)
              --baseline NAME     the snapshotter of the normal pull: cvmfs (this daemon, the image on no
                                  repository; default) or overlayfs (containerd's built-in)
              --image-mib N       MiB of file content in the generated image (default: 1024)
              --image-files N     files in the generated image, besides busybox (default: 40000)
              --image-layers N    layers of generated files, on top of a busybox layer (default: 5)
              --image-seed N      seed of every generated name, size and byte (default: 1)
              --image-dir DIR     keep the generated image (an OCI layout) in DIR and reuse it when a later
                                  run asks for the same image (default: generated in the temporary directory)
              --json-out FILE     also append the JSON line to FILE
              --help              this text
            """;

    StartupOptions {
        requireUsable(daemonJar, java, tmp, "bench/run-cvmfs-bench");
        if (repeat < 1 || repeat > MAX_REPEAT) {
            throw new IllegalArgumentException("--repeat must be 1 to " + MAX_REPEAT + ", got " + repeat);
        }
        if (!BASELINES.contains(baseline)) {
            throw new IllegalArgumentException("--baseline must be one of " + BASELINES + ", got \"" + baseline + "\"");
        }
        if (imageDir.isPresent() && Files.exists(imageDir.get()) && !Files.isDirectory(imageDir.get())) {
            throw new IllegalArgumentException("--image-dir " + imageDir.get() + " exists and is not a directory");
        }
    }

    /** Parses {@code args}; throws {@link IllegalArgumentException} naming the bad option. */
    static StartupOptions parse(String[] args) {
        Optional<Path> jar = Optional.empty();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path tmp = Path.of("/tmp");
        int repeat = 3;
        String baseline = SNAPSHOTTER;
        long mib = 1024;
        int files = 40_000;
        int layers = 5;
        long seed = 1;
        Optional<Path> imageDir = Optional.empty();
        Optional<Path> jsonOut = Optional.empty();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String flag = rest.removeFirst();
            switch (flag) {
                case "--jar" -> jar = Optional.of(Path.of(value(flag, rest)));
                case "--java" -> java = Path.of(value(flag, rest));
                case "--tmp" -> tmp = Path.of(value(flag, rest));
                case "--repeat" -> repeat = (int) number(flag, value(flag, rest), Integer.MAX_VALUE);
                case "--baseline" -> baseline = value(flag, rest);
                case "--image-mib" -> mib = number(flag, value(flag, rest), Long.MAX_VALUE / MIB);
                case "--image-files" -> files = (int) number(flag, value(flag, rest), Integer.MAX_VALUE);
                case "--image-layers" -> layers = (int) number(flag, value(flag, rest), Integer.MAX_VALUE);
                case "--image-seed" -> seed = number(flag, value(flag, rest), Long.MAX_VALUE);
                case "--image-dir" -> imageDir = Optional.of(Path.of(value(flag, rest)));
                case "--json-out" -> jsonOut = Optional.of(Path.of(value(flag, rest)));
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        Path daemonJar = jar.orElseThrow(() -> new IllegalArgumentException("--jar is required"));
        return new StartupOptions(daemonJar, java, tmp, repeat, baseline, new ImageSpec(layers, files, mib * MIB, seed),
                imageDir, jsonOut);
    }

    private static String value(String flag, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(flag + " needs a value");
        }
        return rest.removeFirst();
    }

    private static long number(String flag, String value, long max) {
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

    /** Checks what both benchmarks run: the daemon jar, the java launcher, the scratch directory. */
    static void requireUsable(Path daemonJar, Path java, Path tmp, String script) {
        if (!Files.isRegularFile(daemonJar)) {
            throw new IllegalArgumentException("--jar " + daemonJar + " is not a file; build it with"
                    + " `mvn -DskipTests package -pl bench -am` or run " + script);
        }
        if (!Files.isExecutable(java)) {
            throw new IllegalArgumentException("--java " + java + " is not an executable file");
        }
        if (!Files.isDirectory(tmp)) {
            throw new IllegalArgumentException("--tmp " + tmp + " is not a directory");
        }
    }
}
