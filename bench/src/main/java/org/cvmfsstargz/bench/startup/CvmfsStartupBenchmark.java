package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.bench.BenchMain;
import org.cvmfsstargz.bench.HostFacts;
import org.cvmfsstargz.bench.JsonLineOutput;
import org.cvmfsstargz.bench.RequiredTools;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.RegistryProcess;

/**
 * Entry point of the CVMFS start-up benchmark: generates (or reuses) a large image, starts a
 * registry behind a counting proxy and pushes the image to it, ingests it into a directory
 * standing in for a CVMFS repository, then makes each variant's start-ups in alternating order,
 * and prints a table and one JSON line to stdout (progress goes to stderr). Everything it starts
 * it stops by PID, everything it mounted is unmounted and its temporary directory deleted, on
 * Ctrl-C too. The composition root of this package. Exits 0; 1 if a run failed or measured
 * something other than it should; 2 on bad usage.
 */
public final class CvmfsStartupBenchmark {
    static final String REPOSITORY = "unpacked.test";
    private static final String EMPTY_REPOSITORY = "empty.test";
    private static final String IMAGE_REPOSITORY = "bench/large";
    private static final String IMAGE_TAG = "1";
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration INGEST_TIMEOUT = Duration.ofMinutes(60);
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(20);
    private static final List<String> TOOLS = List.of("containerd", "ctr", "ctr-remote", "runc", "docker-registry");
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private CvmfsStartupBenchmark() {}

    public static void main(String[] args) {
        BenchMain.run("cvmfs-bench", StartupOptions.USAGE, args, StartupOptions::parse, CvmfsStartupBenchmark::run);
    }

    private static int run(StartupOptions options) throws IOException, InterruptedException {
        RequiredTools.require(TOOLS, List.of(BUSYBOX));
        // DaemonProcess (integration-tests' support) finds the daemon jar and java through these.
        System.setProperty("snapshotter.jar", options.daemonJar().toAbsolutePath().toString());
        System.setProperty("java.binary", options.java().toString());
        Instant startedAt = Instant.now();
        Path tmp = Files.createTempDirectory(options.tmp(), "cvmfsbench-");
        Cleanup cleanup = new Cleanup();
        CountDownLatch finished = new CountDownLatch(1);
        Thread onExit = new Thread(() -> {
            cleanup.close();
            try {
                // The main thread fails fast once its processes are gone; it must not write under
                // tmp while tmp is deleted.
                finished.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            deleteQuietly(tmp);
        }, "cvmfs-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit); // Ctrl-C must leave nothing running or mounted
        try {
            HostFacts host = HostFacts.of(tmp);
            Prepared prepared = prepare(options, tmp, host.nproc(), cleanup);
            List<Sample> samples = startUps(options, tmp, prepared.fixture(), cleanup);
            print(new StartupReport(startedAt, host, options, prepared.setup(), prepared.fixture().image(), samples),
                    options.jsonOut());
            return samples.stream().allMatch(s -> s.daemonExit() == 0) ? 0 : 1;
        } finally {
            progress("stopping the registry and deleting " + tmp);
            cleanup.close();
            deleteQuietly(tmp);
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting; the hook finds nothing left to do.
            }
        }
    }

    /** What the start-ups share, and how long making it took. */
    private record Prepared(StartupRun.Fixture fixture, StartupReport.Setup setup) {}

    /**
     * The one-off work: the image (generated or reused), the registry and proxy (registered with
     * {@code cleanup}), the push, and the ingest into the stand-in repository.
     */
    private static Prepared prepare(StartupOptions options, Path tmp, int nproc, Cleanup cleanup)
            throws IOException, InterruptedException {
        Path imageDir = options.imageDir().orElse(tmp.resolve("image"));
        long begin = System.nanoTime();
        Optional<BenchImage> cached = BenchImage.load(imageDir, options.image().key());
        cached.ifPresent(i -> progress("reusing the image in " + imageDir));
        BenchImage image = cached.isPresent() ? cached.get() : generate(options.image(), imageDir, nproc);
        Optional<Duration> generated = cached.isPresent() ? Optional.empty() : Optional.of(since(begin));

        RegistryProcess registry = RegistryProcess.start(tmp.resolve("registry"));
        cleanup.push(registry::close);
        CountingProxy proxy = CountingProxy.start(registry.hostPort());
        cleanup.push(proxy::close);
        progress("pushing the image to the registry at " + registry.hostPort());
        begin = System.nanoTime();
        RegistryPush.push(image, registry.hostPort(), IMAGE_REPOSITORY, IMAGE_TAG, PUSH_TIMEOUT);
        Duration push = since(begin);

        Path cvmfs = Files.createDirectories(tmp.resolve("cvmfs"));
        Files.createDirectories(cvmfs.resolve(EMPTY_REPOSITORY));
        begin = System.nanoTime();
        String ingestSummary = ingest(imageDir, cvmfs.resolve(REPOSITORY));
        Duration ingest = since(begin);

        StartupRun.Fixture fixture = new StartupRun.Fixture(proxy.hostPort() + "/" + IMAGE_REPOSITORY + ":" + IMAGE_TAG,
                image, proxy, Map.of(Variant.NORMAL, daemonConfig(tmp, cvmfs, EMPTY_REPOSITORY),
                        Variant.CVMFS, daemonConfig(tmp, cvmfs, REPOSITORY)), options.baseline(), nproc);
        return new Prepared(fixture, new StartupReport.Setup(tmp, generated, push, ingest, ingestSummary));
    }

    private static BenchImage generate(ImageSpec spec, Path dir, int threads) throws IOException {
        progress(String.format(Locale.ROOT, "generating the image (%s) in %s", spec.key(), dir));
        return OciLayoutWriter.write(ImagePlan.of(spec), BUSYBOX, dir, threads, m -> progress("  " + m));
    }

    /** Runs the daemon's {@code ingest} of the layout in {@code imageDir}; returns its summary line. */
    private static String ingest(Path imageDir, Path repository) throws IOException, InterruptedException {
        progress("ingesting the image into " + repository);
        DaemonProcess.Exit exit = DaemonProcess.run(INGEST_TIMEOUT, List.of("ingest", "--image", imageDir.toString(),
                "--output", repository.toString()));
        if (exit.code() != 0) {
            throw new IllegalStateException("ingest exited with " + exit.code() + ":\n" + exit.output());
        }
        return exit.output().lines().filter(l -> l.startsWith("ingested")).findFirst().orElse(exit.output().strip());
    }

    /** Every start-up: {@code --repeat} rounds of both variants, in {@link #order}. */
    private static List<Sample> startUps(StartupOptions options, Path tmp, StartupRun.Fixture fixture, Cleanup cleanup)
            throws IOException {
        List<Sample> samples = new ArrayList<>();
        for (int round = 1; round <= options.repeat(); round++) {
            for (Variant variant : order(round)) {
                progress(String.format(Locale.ROOT, "%s, run %d of %d", variant.label(), round, options.repeat()));
                Sample s = StartupRun.run(tmp.resolve("r" + round + "-" + variant.label()), variant, round, fixture,
                        cleanup);
                progress(String.format(Locale.ROOT, "%s, run %d: first output after %.2f s, %,d registry blob bytes",
                        variant.label(), round, s.firstOutput().toNanos() / 1e9, s.blobBytes()));
                samples.add(s);
            }
        }
        return samples;
    }

    private static void print(StartupReport report, Optional<Path> jsonOut) throws IOException {
        report.printTable(System.out);
        JsonLineOutput.emit(report.jsonLine(), jsonOut);
    }

    /** Normal first in odd rounds, CVMFS first in even ones, so a drift in the machine's load hits both alike. */
    static List<Variant> order(int round) {
        return round % 2 == 1 ? List.of(Variant.NORMAL, Variant.CVMFS) : List.of(Variant.CVMFS, Variant.NORMAL);
    }

    /** The daemon's configuration: the stand-in mountpoint, one repository. */
    private static Path daemonConfig(Path tmp, Path cvmfs, String repository) throws IOException {
        Path file = tmp.resolve("daemon-" + repository + ".toml");
        Files.writeString(file, "[cvmfs]\nmountpoint = \"" + cvmfs + "\"\nrepositories = [\"" + repository + "\"]\n");
        return file;
    }


    private static void deleteQuietly(Path tmp) {
        try {
            TempTree.delete(tmp);
        } catch (IOException | RuntimeException e) {
            System.err.println("cvmfs-bench: cannot delete " + tmp + ": " + e);
        }
    }

    private static Duration since(long begin) {
        return Duration.ofNanos(System.nanoTime() - begin);
    }

    private static void progress(String message) {
        System.err.println("cvmfs-bench: " + message);
    }
}
