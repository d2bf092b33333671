package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.bench.CpuClock;
import org.cvmfsstargz.bench.startup.BenchImage.Layer;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * One start-up: a fresh daemon and containerd in their own directory (nothing pulled, nothing
 * cached but the kernel's page cache), the variant's pull, then {@code ctr run --rm <image>
 * /bin/cat <probe>}, timed from the exec of the pull to the first byte the container prints, with
 * the registry's bytes counted by the proxy. Checks what it measured: the container printed the
 * probe file, a normal pull downloaded every layer whole, a CVMFS start-up none. Then stops
 * containerd (which deletes its containers), stops the daemon with SIGTERM, unmounts and deletes
 * the directory. Stateless; each call starts and stops its own processes.
 */
final class StartupRun {
    private static final Duration PULL_TIMEOUT = Duration.ofMinutes(30);
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    /**
     * What every run shares.
     *
     * @param imageName           the image reference, through the counting proxy
     * @param image               the image, to check counts and output against
     * @param proxy               the counting proxy in front of the registry
     * @param daemonConfigs       the daemon's configuration file for each variant
     * @param baselineSnapshotter where the normal pull unpacks and its container runs
     * @param nproc               processors of the machine, for the others' CPU share
     */
    record Fixture(String imageName, BenchImage image, CountingProxy proxy, Map<Variant, Path> daemonConfigs,
            String baselineSnapshotter, int nproc) {
        Fixture {
            daemonConfigs = Map.copyOf(daemonConfigs);
        }
    }

    /** The figures of one run before the daemon is stopped. */
    private record Timing(Duration pull, Duration firstOutput, Duration exit, Optional<Duration> machineCpu,
            Optional<Duration> ourCpu, Optional<Double> othersShare) {}

    private StartupRun() {}

    /**
     * Runs {@code variant} once in {@code dir} (created, then deleted; left for the caller to
     * delete if the run fails); the processes are registered with {@code cleanup} while they run.
     */
    static Sample run(Path dir, Variant variant, int round, Fixture fixture, Cleanup cleanup) throws IOException {
        DaemonProcess daemon = DaemonProcess.start(dir.resolve("snapshotter"), dir.resolve("d.sock"),
                List.of("--config", fixture.daemonConfigs().get(variant).toString()));
        Cleanup.Action stopDaemon = cleanup.push(daemon::close);
        Path containerdDir = dir.resolve("containerd");
        ContainerdProcess containerd = ContainerdProcess.start(containerdDir, daemon.socket());
        Cleanup.Action stopContainerd = cleanup.push(containerd::close);
        Timing timing;
        int daemonExit;
        try {
            timing = measure(new CtrCommands(containerd.address(), containerdDir), variant, round, fixture);
        } catch (IOException | RuntimeException e) {
            System.err.println("cvmfs-bench: " + variant.label() + " run " + round + " failed; its logs:"
                    + containerd.diagnostics() + "\n--- daemon log ---\n" + tail(daemon.logText()));
            throw e;
        } finally {
            containerd.close();
            cleanup.done(stopContainerd);
        }
        try {
            daemonExit = daemon.stop();
        } finally {
            daemon.close();
            cleanup.done(stopDaemon);
        }
        TempTree.delete(dir);
        List<String> requests = fixture.proxy().requests();
        long bodyBytes = requests.stream().mapToLong(r -> Long.parseLong(r.substring(r.lastIndexOf(' ') + 1))).sum();
        return new Sample(variant, round, timing.pull(), timing.firstOutput(), timing.exit(),
                fixture.proxy().totalBlobBytes(), bodyBytes, requests.size(), timing.machineCpu(), timing.ourCpu(),
                timing.othersShare(), daemonExit);
    }

    private static Timing measure(CtrCommands ctr, Variant variant, int round, Fixture fixture) throws IOException {
        fixture.proxy().reset();
        Optional<Duration> machineBefore = CpuClock.machineBusy();
        Optional<Duration> oursBefore = ProcStat.ours();
        long begin = System.nanoTime();
        CtrCommands.Exit pull = ctr.run(variant.pull(fixture.imageName(), fixture.baselineSnapshotter()),
                PULL_TIMEOUT).orThrow();
        CtrCommands.Exit run = ctr.run(List.of("ctr", "run", "--rm",
                "--snapshotter", variant.runSnapshotter(fixture.baselineSnapshotter()),
                "--fifo-dir", ctr.containerdDir().resolve("fifo").toString(),
                "--runc-root", ctr.containerdDir().resolve("runc").toString(),
                fixture.imageName(), "bench-" + variant.label() + "-" + round, "/bin/cat",
                fixture.image().probePath()), RUN_TIMEOUT).orThrow();
        Optional<Duration> machineCpu = CpuClock.machineBusy().flatMap(after -> machineBefore.map(after::minus));
        Optional<Duration> ourCpu = ProcStat.ours().flatMap(after -> oursBefore.map(after::minus));
        double capacity = (double) (System.nanoTime() - begin) * fixture.nproc();
        Optional<Double> othersShare = machineCpu.flatMap(m -> ourCpu.map(o ->
                Math.max(0, m.minus(o).toNanos() / capacity)));
        if (!run.stdout().equals(fixture.image().probeContent()) || run.firstOutput().isEmpty()) {
            throw new IllegalStateException("the container printed \"" + run.stdout() + "\" instead of the probe file \""
                    + fixture.image().probeContent() + "\": " + run.describe());
        }
        checkLayerBytes(variant, fixture);
        return new Timing(Duration.ofNanos(pull.end() - pull.start()),
                Duration.ofNanos(run.firstOutput().getAsLong() - pull.start()),
                Duration.ofNanos(run.end() - pull.start()), machineCpu, ourCpu, othersShare);
    }

    /** A normal pull must have downloaded every layer whole, a CVMFS start-up no layer byte. */
    private static void checkLayerBytes(Variant variant, Fixture fixture) {
        for (Layer layer : fixture.image().layers()) {
            long served = fixture.proxy().blobBytes(layer.blob().digest());
            boolean ok = variant == Variant.NORMAL ? served >= layer.blob().size() : served == 0;
            if (!ok) {
                throw new IllegalStateException(String.format(
                        "%s run: the registry served %d of the %d bytes of layer %s, expected %s; requests:%n%s",
                        variant.label(), served, layer.blob().size(), layer.blob().digest(),
                        variant == Variant.NORMAL ? "all" : "none (it should come from CVMFS)",
                        String.join("\n", fixture.proxy().requests())));
            }
        }
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 200), lines.size()));
    }
}
