package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.bench.CpuClock;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * The eStargz benchmark's measurements, each on a fresh daemon (empty chunk cache) and
 * containerd in its own directory: a start-up (the pull, then {@code ctr run --rm <image>
 * /bin/cat <probe>}, timed from the exec of the pull to the container's first byte), or a pull of
 * the one-file image followed by timed sequential reads of that file ({@code dd bs=1M} under
 * busybox {@code time}, each in a new container). Checks what it measured: the probe's content,
 * a normal pull fetching every layer whole, a lazy start-up fetching less than a tenth. Then
 * stops containerd and the daemon (SIGTERM) and deletes the directory. Stateless.
 */
final class EstargzRun {
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    /**
     * An image as pulled: its reference (through a proxy) and what to check.
     *
     * @param reference  {@code host:port/repo:tag}
     * @param layerBytes the eStargz layer blobs' sizes, all together
     * @param probePath  a small file a container of it prints
     * @param probe      what that file holds
     */
    record Pulled(String reference, long layerBytes, String probePath, String probe) {}

    /**
     * What every run shares.
     *
     * @param proxy      the counting proxy in front of the registry (the slow link goes through it too)
     * @param configs    the daemon's configuration file per variant
     * @param nproc      processors of the machine
     * @param dropCaches whether to drop the page cache before each timed read
     */
    record Fixture(CountingProxy proxy, Map<EstargzVariant, Path> configs, int nproc, boolean dropCaches) {
        Fixture {
            configs = Map.copyOf(configs);
        }
    }

    /** A running daemon and containerd of one run. */
    private record Node(DaemonProcess daemon, ContainerdProcess containerd, CtrCommands ctr,
            Cleanup.Action stopDaemon, Cleanup.Action stopContainerd) {}

    private EstargzRun() {}

    /** One start-up of {@code variant} pulling {@code image}, in {@code dir}. */
    static EstargzSamples.StartUp startUp(Path dir, EstargzVariant variant, boolean slow, int round, Pulled image,
            Fixture fixture, Cleanup cleanup) throws IOException {
        Node node = start(dir, variant, fixture, cleanup);
        EstargzSamples.StartUp sample;
        try {
            fixture.proxy().reset();
            Optional<Duration> machineBefore = CpuClock.machineBusy();
            Optional<Duration> oursBefore = ProcStat.ours();
            long begin = System.nanoTime();
            CtrCommands.Exit pull = node.ctr().run(variant.pull(image.reference()), PULL_TIMEOUT).orThrow();
            CtrCommands.Exit run = runIn(node, image.reference(), "start-" + round, "/bin/cat", image.probePath());
            Optional<Duration> machine = CpuClock.machineBusy().flatMap(a -> machineBefore.map(a::minus));
            Optional<Duration> ours = ProcStat.ours().flatMap(a -> oursBefore.map(a::minus));
            double capacity = (double) (System.nanoTime() - begin) * fixture.nproc();
            if (!run.stdout().equals(image.probe()) || run.firstOutput().isEmpty()) {
                throw new IllegalStateException("the container printed \"" + run.stdout() + "\" instead of \""
                        + image.probe() + "\": " + run.describe());
            }
            long blobs = fixture.proxy().totalBlobBytes();
            boolean ok = variant == EstargzVariant.NORMAL ? blobs >= image.layerBytes() : blobs < image.layerBytes() / 10;
            if (!ok) {
                throw new IllegalStateException(String.format("%s start-up: the registry served %,d blob bytes of"
                        + " %,d layer bytes, expected %s", variant.label(), blobs, image.layerBytes(),
                        variant == EstargzVariant.NORMAL ? "all" : "under a tenth"));
            }
            sample = new EstargzSamples.StartUp(variant, slow, round, Duration.ofNanos(pull.end() - pull.start()),
                    Duration.ofNanos(run.firstOutput().getAsLong() - pull.start()), blobs,
                    fixture.proxy().requests().size(),
                    machine.flatMap(m -> ours.map(o -> Math.max(0, m.minus(o).toNanos() / capacity))),
                    EstargzSamples.peakRss(node.daemon().pid()), -1);
        } catch (IOException | RuntimeException e) {
            report(node, variant, e);
            throw e;
        }
        int exit = stop(node, cleanup);
        TempTree.delete(dir);
        return sample.withDaemonExit(exit);
    }

    /** The daemon's peak RSS and the reads of one throughput run. */
    record Reads(List<EstargzSamples.Read> reads, long daemonPeakRss, int daemonExit) {}

    /**
     * Pulls {@code image} with {@code variant}, then reads {@code file} ({@code bytes} long) once
     * per entry of {@code dropBefore}, in a new container each, dropping the page cache first
     * where it says so (and {@link Fixture#dropCaches()} allows).
     */
    static Reads reads(Path dir, EstargzVariant variant, Pulled image, String file, long bytes,
            List<Boolean> dropBefore, Fixture fixture, Cleanup cleanup) throws IOException {
        Node node = start(dir, variant, fixture, cleanup);
        List<EstargzSamples.Read> reads = new ArrayList<>();
        long peak;
        try {
            node.ctr().run(variant.pull(image.reference()), PULL_TIMEOUT).orThrow();
            for (int i = 0; i < dropBefore.size(); i++) {
                boolean drop = dropBefore.get(i) && fixture.dropCaches();
                if (drop) {
                    dropPageCache();
                }
                fixture.proxy().reset();
                CtrCommands.Exit run = runIn(node, image.reference(), "read-" + i, "/bin/sh", "-c",
                        "/bin/busybox time -f %e /bin/busybox dd if=" + file + " of=/dev/null bs=1M 2>&1 >/dev/null");
                List<String> lines = run.stdout().strip().lines().toList();
                if (lines.isEmpty() || !lines.getFirst().startsWith(bytes / (1 << 20) + "+")) {
                    throw new IllegalStateException("dd did not read the " + bytes + "-byte file: " + run.describe());
                }
                Duration time = Duration.ofNanos(Math.round(Double.parseDouble(lines.getLast()) * 1e9));
                String label = variant.label() + (variant == EstargzVariant.LAZY ? (i == 0 ? " cold" : " cached") : "")
                        + (drop ? "" : ", page cache warm");
                reads.add(new EstargzSamples.Read(label, variant, drop, bytes, time, fixture.proxy().totalBlobBytes()));
                System.err.printf("estargz-bench: %s read: %.2f s%n", label, time.toNanos() / 1e9);
            }
            peak = EstargzSamples.peakRss(node.daemon().pid());
        } catch (IOException | RuntimeException e) {
            report(node, variant, e);
            throw e;
        }
        int exit = stop(node, cleanup);
        TempTree.delete(dir);
        return new Reads(reads, peak, exit);
    }

    private static Node start(Path dir, EstargzVariant variant, Fixture fixture, Cleanup cleanup) throws IOException {
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("snapshotter"), dir.resolve("d.sock"),
                List.of("--config", fixture.configs().get(variant).toString()));
        Cleanup.Action stopDaemon = cleanup.push(daemon::close);
        Path containerdDir = dir.resolve("containerd");
        ContainerdProcess containerd = ContainerdProcess.start(containerdDir, daemon.socket());
        Cleanup.Action stopContainerd = cleanup.push(containerd::close);
        return new Node(daemon, containerd, new CtrCommands(containerd.address(), containerdDir), stopDaemon,
                stopContainerd);
    }

    private static CtrCommands.Exit runIn(Node node, String image, String id, String... cmd) throws IOException {
        List<String> command = new ArrayList<>(List.of("ctr", "run", "--rm", "--snapshotter",
                StartupOptions.SNAPSHOTTER, "--fifo-dir", node.ctr().containerdDir().resolve("fifo").toString(),
                "--runc-root", node.ctr().containerdDir().resolve("runc").toString(), image, "bench-" + id));
        command.addAll(List.of(cmd));
        return node.ctr().run(command, RUN_TIMEOUT).orThrow();
    }

    /** Stops containerd (deleting its containers), then the daemon with SIGTERM; returns the daemon's exit status. */
    private static int stop(Node node, Cleanup cleanup) {
        try {
            node.containerd().close();
        } finally {
            cleanup.done(node.stopContainerd());
        }
        try {
            return node.daemon().stop();
        } finally {
            node.daemon().close();
            cleanup.done(node.stopDaemon());
        }
    }

    private static void report(Node node, EstargzVariant variant, Exception e) {
        List<String> log = node.daemon().logText().lines().toList();
        System.err.println("estargz-bench: " + variant.label() + " run failed (" + e.getMessage() + "); its logs:"
                + node.containerd().diagnostics() + "\n--- daemon log ---\n"
                + String.join("\n", log.subList(Math.max(0, log.size() - 200), log.size())));
        stop(node, new Cleanup());
    }

    /** Writes back dirty pages, then drops the page cache, dentries and inodes (root only). */
    static void dropPageCache() throws IOException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted in sync", e);
        }
        Files.writeString(DROP_CACHES, "3\n");
    }
}
