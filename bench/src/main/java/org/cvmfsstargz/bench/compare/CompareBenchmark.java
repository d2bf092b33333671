package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.cvmfsstargz.bench.BenchMain;
import org.cvmfsstargz.bench.HostFacts;
import org.cvmfsstargz.bench.JsonLineOutput;
import org.cvmfsstargz.bench.RequiredTools;
import org.cvmfsstargz.bench.compare.ImageBuild.Built;
import org.cvmfsstargz.bench.compare.Samples.CvmfsRun;
import org.cvmfsstargz.bench.compare.Samples.Read;
import org.cvmfsstargz.bench.compare.Samples.StartUp;
import org.cvmfsstargz.bench.startup.Cleanup;
import org.cvmfsstargz.bench.startup.TempTree;
import org.cvmfsstargz.bench.startup.ThrottledProxy;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.RegistryProcess;

/**
 * Entry point of the comparison benchmark, and its composition root: builds (or reuses) the
 * images from Debian packages, puts them in a registry whose storage lives in the image cache and
 * converts them to eStargz (once), starts the counting proxy and the slow link in front of it,
 * runs the selected sections, and prints the tables and one JSON line to stdout (progress to
 * stderr). Everything it starts it stops by PID, on Ctrl-C too. Exits 0; 1 if a sample failed; 2
 * on bad usage.
 */
public final class CompareBenchmark {
    private static final List<String> TOOLS = List.of("containerd", "ctr", "ctr-remote", "runc", "docker-registry",
            "apt-get", "dpkg", "tar");
    private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(20);

    private CompareBenchmark() {}

    public static void main(String[] args) {
        BenchMain.run("compare-bench", CompareOptions.USAGE, args, CompareOptions::parse, CompareBenchmark::run);
    }

    private static int run(CompareOptions options) throws IOException, InterruptedException {
        RequiredTools.require(TOOLS, List.of());
        // DaemonProcess (integration-tests' support) runs ingest and the conversion's daemon with these.
        System.setProperty("snapshotter.jar", options.firstOurs().jar().orElseThrow().toString());
        System.setProperty("java.binary", options.java().toString());
        Instant startedAt = Instant.now();
        Path cache = Files.createDirectories(options.imageCache().toAbsolutePath());
        try (FileChannel lockFile = FileChannel.open(cache.resolve(".lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE); FileLock lock = lockFile.tryLock()) {
            if (lock == null) {
                throw new IllegalStateException("another run is using the image cache " + cache);
            }
            return runLocked(options, cache, startedAt);
        }
    }

    private static int runLocked(CompareOptions options, Path cache, Instant startedAt)
            throws IOException, InterruptedException {
        Path tmp = Files.createTempDirectory(options.tmp(), "comparebench-");
        Cleanup cleanup = new Cleanup();
        CountDownLatch finished = new CountDownLatch(1);
        AtomicReference<RunContext> running = new AtomicReference<>();
        Thread onExit = new Thread(() -> {
            Optional.ofNullable(running.get()).ifPresent(RunContext::stop);
            cleanup.close();
            try {
                finished.await(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS); // main must stop writing under tmp
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            stopChildren();
            deleteQuietly(tmp);
        }, "compare-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(onExit); // Ctrl-C must leave nothing running or mounted
        try {
            HostFacts host = HostFacts.of(tmp);
            Files.deleteIfExists(cache.resolve("registry/registry.log"));
            RegistryProcess registry = RegistryProcess.start(cache.resolve("registry"));
            cleanup.push(registry::close);
            CountingProxy proxy = CountingProxy.start(registry.hostPort());
            cleanup.push(proxy::close);
            ThrottledProxy slow = ThrottledProxy.start(proxy.hostPort(), options.latency(), options.bitsPerSecond());
            cleanup.push(slow::close);
            RunContext ctx = new RunContext(options, tmp, cleanup, proxy, slow, host.nproc());
            running.set(ctx);
            options.notes().forEach(n -> ctx.progress("note: " + n));

            Set<String> convertedNow = new HashSet<>();
            Map<String, Built> images = images(ctx, cache, registry.hostPort(), convertedNow);
            List<StartUp> startUps = new ArrayList<>();
            List<Read> reads = new ArrayList<>();
            List<CvmfsRun> cvmfs = new ArrayList<>();
            Optional<CvmfsSection.Ingest> ingest = Optional.empty();
            if (options.runs(Section.STARTUP)) {
                startUps = StartupSection.run(ctx, options.images().stream().map(images::get).toList());
            }
            if (options.runs(Section.READ)) {
                reads = ReadSection.run(ctx, images.get(ImageCatalog.JDK));
            }
            if (options.runs(Section.CVMFS)) {
                ingest = Optional.of(CvmfsSection.ingest(ctx, images.get(ImageCatalog.JDK)));
                cvmfs = CvmfsSection.run(ctx, images.get(ImageCatalog.JDK));
            }
            CompareReport report = new CompareReport(startedAt, host, options, List.copyOf(images.values()),
                    convertedNow, ingest, startUps, reads, cvmfs, ctx.failures(),
                    Duration.between(startedAt, Instant.now()));
            report.printTable(System.out);
            JsonLineOutput.emit(report.jsonLine(), options.jsonOut());
            return ctx.failures().isEmpty() ? 0 : 1;
        } finally {
            System.err.println("compare-bench: stopping the registry and proxies, deleting " + tmp);
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

    /**
     * Every image a selected section needs, built or reused, pushed, and converted to eStargz
     * unless only the CVMFS section (which pulls the plain image) needs it.
     */
    private static Map<String, Built> images(RunContext ctx, Path cache, String registry, Set<String> convertedNow)
            throws IOException, InterruptedException {
        CompareOptions o = ctx.options();
        Set<String> needed = new HashSet<>();
        if (o.runs(Section.STARTUP)) {
            needed.addAll(o.images());
        }
        if (o.runs(Section.READ) || o.runs(Section.CVMFS)) {
            needed.add(ImageCatalog.JDK);
        }
        boolean estargz = o.runs(Section.STARTUP) || o.runs(Section.READ);
        Map<String, Built> images = new LinkedHashMap<>();
        for (String name : ImageCatalog.names()) {
            if (!needed.contains(name)) {
                continue;
            }
            Built built = ImageBuild.buildOrReuse(ImageCatalog.recipe(name), cache, ctx::progress);
            if (estargz) {
                Optional<ImageFacts.Conversion> before = built.facts().conversion();
                built = ImagePublication.publish(built, registry, ctx.tmp(), ctx.cleanup(), ctx::progress);
                if (!built.facts().conversion().equals(before)) {
                    convertedNow.add(name);
                }
            } else {
                ImagePublication.push(built, registry);
            }
            images.put(name, built);
        }
        return images;
    }


    /**
     * The last resort of Ctrl-C: every process this JVM started that still runs (one it was
     * starting when the clean-up ran), stopped by PID: SIGTERM, then SIGKILL.
     */
    private static void stopChildren() {
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            System.err.println("compare-bench: stopping leftover process " + child.pid() + " "
                    + child.info().command().orElse(""));
            child.destroy();
            try {
                child.onExit().get(10, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                child.destroyForcibly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                child.destroyForcibly();
            }
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            TempTree.delete(tmp);
        } catch (IOException | RuntimeException e) {
            System.err.println("compare-bench: cannot delete " + tmp + ": " + e);
        }
    }
}
