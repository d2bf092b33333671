package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.bench.BenchMain;
import org.cvmfsstargz.bench.HostFacts;
import org.cvmfsstargz.bench.JsonLineOutput;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.RegistryProcess;

/**
 * Entry point of the eStargz benchmark: generates (or reuses) a large image of many files and an
 * image of one large file, pushes both to a registry on loopback behind a counting proxy, converts
 * both to eStargz with {@code ctr-remote} (timed once), then makes the start-ups (lazy and normal,
 * alternating, over loopback and over a slow link) and the read-throughput runs, and prints a table
 * and one JSON line to stdout (progress to stderr). Everything it starts it stops by PID, on
 * Ctrl-C too. The composition root of the eStargz benchmark. Exits 0; 1 if a run failed or a
 * daemon did not stop cleanly; 2 on bad usage.
 */
public final class EstargzBenchmark {
    private static final String LARGE = "bench/large";
    private static final String BIG = "bench/bigfile";
    private static final String TAG = "1";
    private static final Duration PUSH_TIMEOUT = Duration.ofMinutes(30);
    private static final Path BUSYBOX = Path.of("/bin/busybox");

    private EstargzBenchmark() {}

    public static void main(String[] args) {
        BenchMain.run("estargz-bench", EstargzOptions.USAGE, args, EstargzOptions::parse, EstargzBenchmark::run);
    }

    private static int run(EstargzOptions options) throws IOException, InterruptedException {
        System.setProperty("snapshotter.jar", options.daemonJar().toAbsolutePath().toString());
        System.setProperty("java.binary", options.java().toString());
        Instant startedAt = Instant.now();
        Path tmp = Files.createTempDirectory(options.tmp(), "estargzbench-");
        Cleanup cleanup = new Cleanup();
        Thread onExit = new Thread(() -> {
            cleanup.close();
            deleteQuietly(tmp);
        }, "estargz-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit);
        try {
            HostFacts host = HostFacts.of(tmp);
            RegistryProcess registry = RegistryProcess.start(tmp.resolve("registry"));
            cleanup.push(registry::close);
            CountingProxy proxy = CountingProxy.start(registry.hostPort());
            cleanup.push(proxy::close);
            ThrottledProxy slow = ThrottledProxy.start(proxy.hostPort(), options.latency(), options.bitsPerSecond());
            cleanup.push(slow::close);

            Path imageRoot = options.imageDir().orElse(tmp.resolve("images"));
            EstargzReport.Setup setup = new EstargzReport.Setup();
            BenchImage large = image(options.image(), imageRoot.resolve("large"), host.nproc(), setup, "large");
            BenchImage big = image(options.bigFile(), imageRoot.resolve("bigfile"), host.nproc(), setup, "big");
            publish(large, registry.hostPort(), LARGE, tmp, cleanup, setup, "large");
            publish(big, registry.hostPort(), BIG, tmp, cleanup, setup, "big");

            Map<EstargzVariant, Path> configs = new EnumMap<>(EstargzVariant.class);
            for (EstargzVariant v : EstargzVariant.values()) {
                configs.put(v, Files.writeString(tmp.resolve("daemon-" + v.label() + ".toml"), v.daemonConfig()));
            }
            EstargzRun.Fixture fixture = new EstargzRun.Fixture(proxy, configs, host.nproc(), options.dropCaches());
            List<EstargzSamples.StartUp> startUps = new ArrayList<>();
            startUps(options.repeat(), false, pulled(proxy.hostPort(), LARGE, large, setup), fixture, tmp, cleanup,
                    startUps);
            startUps(options.slowRepeat(), true, pulled(slow.hostPort(), LARGE, large, setup), fixture, tmp, cleanup,
                    startUps);
            List<EstargzRun.Reads> reads = reads(options, big, pulled(proxy.hostPort(), BIG, big, setup), fixture,
                    tmp, cleanup);
            EstargzReport report = new EstargzReport(startedAt, host, options, setup, large, big, startUps, reads);
            report.printTable(System.out);
            JsonLineOutput.emit(report.jsonLine(), options.jsonOut());
            boolean clean = startUps.stream().allMatch(s -> s.daemonExit() == 0)
                    && reads.stream().allMatch(r -> r.daemonExit() == 0);
            return clean ? 0 : 1;
        } finally {
            progress("stopping the registry and proxies, deleting " + tmp);
            cleanup.close();
            deleteQuietly(tmp);
            try {
                Runtime.getRuntime().removeShutdownHook(onExit);
            } catch (IllegalStateException shuttingDown) {
                // The JVM is already exiting; the hook finds nothing left.
            }
        }
    }

    private static BenchImage image(ImageSpec spec, Path dir, int threads, EstargzReport.Setup setup, String name)
            throws IOException {
        long begin = System.nanoTime();
        Optional<BenchImage> cached = BenchImage.load(dir, spec.key());
        if (cached.isPresent()) {
            progress("reusing the " + name + " image in " + dir);
            setup.steps().put(name + " image generated", Duration.ZERO);
            return cached.get();
        }
        progress(String.format(Locale.ROOT, "generating the %s image (%s) in %s", name, spec.key(), dir));
        BenchImage image = OciLayoutWriter.write(ImagePlan.of(spec), BUSYBOX, dir, threads, m -> progress("  " + m));
        setup.steps().put(name + " image generated", since(begin));
        return image;
    }

    private static void publish(BenchImage image, String registry, String repository, Path tmp, Cleanup cleanup,
            EstargzReport.Setup setup, String name) throws IOException, InterruptedException {
        progress("pushing the " + name + " image to " + registry);
        long begin = System.nanoTime();
        RegistryPush.push(image, registry, repository, TAG, PUSH_TIMEOUT);
        setup.steps().put(name + " image pushed", since(begin));
        progress("converting the " + name + " image to eStargz");
        EstargzConversion.Converted c = EstargzConversion.convert(tmp.resolve("convert-" + name), registry, repository,
                TAG, cleanup);
        setup.steps().put(name + " ctr content fetch", c.fetch());
        setup.steps().put(name + " ctr-remote image convert", c.convert());
        setup.steps().put(name + " ctr images push", c.push());
        setup.layerBytes().put(repository, c.layerBytes());
        progress(String.format(Locale.ROOT, "converted the %s image in %.1f s: %,d bytes of eStargz layers", name,
                c.convert().toNanos() / 1e9, c.layerBytes()));
    }

    private static EstargzRun.Pulled pulled(String hostPort, String repository, BenchImage image,
            EstargzReport.Setup setup) {
        return new EstargzRun.Pulled(hostPort + "/" + repository + ":" + EstargzConversion.ESGZ_TAG,
                setup.layerBytes().get(repository), image.probePath(), image.probeContent());
    }

    private static void startUps(int repeat, boolean slow, EstargzRun.Pulled image, EstargzRun.Fixture fixture,
            Path tmp, Cleanup cleanup, List<EstargzSamples.StartUp> into) throws IOException {
        String link = slow ? "slow link" : "loopback";
        for (int round = 1; round <= repeat; round++) {
            for (EstargzVariant variant : EstargzVariant.order(round)) {
                progress(String.format(Locale.ROOT, "%s over %s, run %d of %d", variant.label(), link, round, repeat));
                EstargzSamples.StartUp s = EstargzRun.startUp(tmp.resolve("r-" + (slow ? "slow-" : "") + round + "-"
                        + variant.label()), variant, slow, round, image, fixture, cleanup);
                progress(String.format(Locale.ROOT, "  first output after %.2f s, %,d registry blob bytes",
                        s.firstOutput().toNanos() / 1e9, s.blobBytes()));
                into.add(s);
            }
        }
    }

    /**
     * Lazy: a cold read (empty chunk cache, page cache dropped), a cached one (page cache dropped:
     * chunks from the daemon's disk cache), a cached one with the page cache warm. Normal: a read
     * with the page cache dropped (from the snapshot on disk), one with it warm.
     */
    private static List<EstargzRun.Reads> reads(EstargzOptions options, BenchImage big, EstargzRun.Pulled image,
            EstargzRun.Fixture fixture, Path tmp, Cleanup cleanup) throws IOException {
        ImagePlan.PlannedFile file = ImagePlan.of(options.bigFile()).layers().getFirst().files().getFirst();
        String path = "/" + file.path();
        List<EstargzRun.Reads> reads = new ArrayList<>();
        progress("lazy reads of " + path + " (" + file.size() + " bytes)");
        reads.add(EstargzRun.reads(tmp.resolve("reads-lazy"), EstargzVariant.LAZY, image, path, file.size(),
                List.of(true, true, false), fixture, cleanup));
        progress("normal reads of " + path);
        reads.add(EstargzRun.reads(tmp.resolve("reads-normal"), EstargzVariant.NORMAL, image, path, file.size(),
                List.of(true, false), fixture, cleanup));
        return reads;
    }

    private static void deleteQuietly(Path tmp) {
        try {
            TempTree.delete(tmp);
        } catch (IOException | RuntimeException e) {
            System.err.println("estargz-bench: cannot delete " + tmp + ": " + e);
        }
    }

    private static Duration since(long begin) {
        return Duration.ofNanos(System.nanoTime() - begin);
    }

    private static void progress(String message) {
        System.err.println("estargz-bench: " + message);
    }
}
