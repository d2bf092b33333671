package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.bench.compare.ImageRecipe.Workload;
import org.cvmfsstargz.bench.startup.Cleanup;
import org.cvmfsstargz.bench.startup.CtrCommands;
import org.cvmfsstargz.bench.startup.TempTree;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CriImageClient;

/**
 * The node of one cold sample: a fresh snapshotter process of one variant (empty root, so an
 * empty cache) and a fresh containerd using it as the proxy snapshotter {@value #SNAPSHOTTER},
 * with or without CRI, both in one directory. {@link #stop()} stops containerd (deleting its
 * containers), then the snapshotter with its signal, unmounts what is left and deletes the
 * directory. Registered with {@link Cleanup} while running, so Ctrl-C stops them too.
 *
 * <p>Not thread-safe; the sample that starts it stops it.
 */
final class ColdNode implements AutoCloseable {
    static final String SNAPSHOTTER = ContainerdProcess.SNAPSHOTTER;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);
    private static final String CONNECT_PROBE = "compare-bench-connect-probe";
    /** dash's {@code times}: {@code 0m0.010000s 0m0.002000s}, the shell's line, then its children's. */
    private static final Pattern TIMES = Pattern.compile("^(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s$");

    private final Path dir;
    private final SnapshotterProcess snapshotter;
    private final ContainerdProcess containerd;
    private final CtrCommands ctr;
    private final Cleanup cleanup;
    private final Cleanup.Action stopSnapshotter;
    private final Cleanup.Action stopContainerd;
    private boolean stopped;
    private int connectFailures;
    private String firstConnectError = "";

    private ColdNode(Path dir, SnapshotterProcess snapshotter, ContainerdProcess containerd, CtrCommands ctr,
            Cleanup cleanup, Cleanup.Action stopSnapshotter, Cleanup.Action stopContainerd) {
        this.dir = dir;
        this.snapshotter = snapshotter;
        this.containerd = containerd;
        this.ctr = ctr;
        this.cleanup = cleanup;
        this.stopSnapshotter = stopSnapshotter;
        this.stopContainerd = stopContainerd;
    }

    /**
     * Starts {@code variant} with {@code config}, then containerd; with {@code criRegistry}
     * ({@code host:port}), containerd serves CRI, pulls into the snapshotter with CRI's layer labels
     * and reaches that registry over plain HTTP, and {@link #ctr()} works in CRI's namespace.
     */
    static ColdNode start(Path dir, Variant variant, String config, Optional<String> criRegistry, Cleanup cleanup)
            throws IOException {
        SnapshotterProcess snapshotter = SnapshotterProcess.start(variant, dir.resolve("s"), config);
        Cleanup.Action stopSnapshotter = cleanup.push(snapshotter::close);
        Path containerdDir = dir.resolve("c");
        ContainerdProcess containerd;
        try {
            containerd = criRegistry.isPresent()
                    ? ContainerdProcess.startWithCri(containerdDir, snapshotter.socket(), criRegistry.get())
                    : ContainerdProcess.start(containerdDir, snapshotter.socket());
        } catch (IOException | RuntimeException e) {
            snapshotter.close();
            cleanup.done(stopSnapshotter);
            throw e;
        }
        Cleanup.Action stopContainerd = cleanup.push(containerd::close);
        CtrCommands ctr = new CtrCommands(containerd.address(), containerdDir,
                criRegistry.isPresent() ? CriImageClient.NAMESPACE : ContainerdProcess.NAMESPACE);
        ColdNode node = new ColdNode(dir, snapshotter, containerd, ctr, cleanup, stopSnapshotter, stopContainerd);
        try {
            node.connectFailures = node.connect();
        } catch (IOException | RuntimeException e) {
            System.err.println(node.diagnostics());
            node.close();
            throw e;
        }
        return node;
    }

    /**
     * Makes containerd connect to the snapshotter before anything is timed, as on a node where
     * containerd has long been connected: a {@code Prepare} of a probe key through containerd,
     * retried until it succeeds, then its {@code Remove}. containerd 1.6 dials a proxy snapshotter
     * when it starts and gives the connection about a second (grpc-go's first backoff step, no
     * minimum connect timeout) to complete its HTTP/2 handshake; a snapshotter that misses it
     * fails containerd's first call with UNAVAILABLE "timed out waiting for server handshake"
     * until containerd redials. Returns how many probes failed so.
     */
    private int connect() throws IOException {
        List<String> prepare = List.of("ctr", "snapshots", "--snapshotter", SNAPSHOTTER, "prepare", CONNECT_PROBE);
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        int failures = 0;
        for (CtrCommands.Exit e = ctr.run(prepare, CONNECT_TIMEOUT); e.code() != 0; e = ctr.run(prepare,
                CONNECT_TIMEOUT)) {
            if (failures++ == 0) {
                firstConnectError = e.stderr().strip();
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("containerd did not reach " + snapshotter.variant().label() + " within "
                        + CONNECT_TIMEOUT + ": " + e.describe());
            }
            sleep(Duration.ofMillis(200));
        }
        ctr.run(List.of("ctr", "snapshots", "--snapshotter", SNAPSHOTTER, "rm", CONNECT_PROBE), CONNECT_TIMEOUT)
                .orThrow();
        return failures;
    }

    /** How many of containerd's first calls failed before it reached the snapshotter (see {@link #connect()}). */
    int connectFailures() {
        return connectFailures;
    }

    /** What containerd answered to the first probe that failed; empty if none did. */
    String firstConnectError() {
        return firstConnectError;
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    CtrCommands ctr() {
        return ctr;
    }

    SnapshotterProcess snapshotter() {
        return snapshotter;
    }

    ContainerdProcess containerd() {
        return containerd;
    }

    /**
     * {@code ctr run --rm} of {@code image} running {@code workload} through {@code /bin/sh -c},
     * followed by the shell's {@code times} on standard error (the container's CPU time, which
     * escapes this process's accounting: the shim is re-parented away).
     */
    CtrCommands.Exit run(String image, String id, Workload workload) throws IOException {
        List<String> command = new ArrayList<>(List.of("ctr", "run", "--rm", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", ctr.containerdDir().resolve("fifo").toString(),
                "--runc-root", ctr.containerdDir().resolve("runc").toString(), image, id,
                "/bin/sh", "-c", workload.script() + "\ns=$?; times >&2; exit $s"));
        return ctr.run(command, RUN_TIMEOUT);
    }

    /** The CPU time {@code times} reported on the container's standard error (shell and children). */
    static Optional<Duration> containerCpu(String stderr) {
        double seconds = 0;
        int found = 0;
        for (String line : stderr.lines().map(String::strip).toList()) {
            Matcher m = TIMES.matcher(line);
            if (m.matches()) {
                seconds += Long.parseLong(m.group(1)) * 60 + Double.parseDouble(m.group(2))
                        + Long.parseLong(m.group(3)) * 60 + Double.parseDouble(m.group(4));
                found++;
            }
        }
        return found == 2 ? Optional.of(Duration.ofNanos(Math.round(seconds * 1e9))) : Optional.empty();
    }

    /** The ends of containerd's and the snapshotter's logs, for a failed sample. */
    String diagnostics() {
        return containerd.diagnostics() + "\n" + snapshotter.logTail();
    }

    /**
     * Stops containerd, then the snapshotter with its signal; unmounts and deletes the directory.
     * Returns the snapshotter's exit status.
     */
    int stop() throws IOException {
        stopped = true;
        try {
            containerd.close();
        } finally {
            cleanup.done(stopContainerd);
        }
        int exit;
        try {
            exit = snapshotter.stop();
        } finally {
            snapshotter.close();
            cleanup.done(stopSnapshotter);
        }
        TempTree.delete(dir);
        return exit;
    }

    /** {@link #stop()} for a sample that failed: errors are printed, not thrown. */
    @Override
    public void close() {
        if (stopped) {
            return;
        }
        try {
            stop();
        } catch (IOException | RuntimeException e) {
            System.err.println("compare-bench: cleaning up " + dir + ": " + e.getMessage());
        }
    }
}
