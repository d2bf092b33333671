package org.cvmfsstargz.it.support;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;

/**
 * The real daemon, started from the jar the snapshotter module built, as its own process with a
 * root and socket under a test's temporary directory. Stopped by PID: {@link #close()} sends
 * SIGTERM and waits, {@link #kill()} sends SIGKILL.
 *
 * <p>Not thread-safe; the test that starts it closes it.
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path root;
    private final Path socket;
    private final Path log;
    private final Process process;
    private ManagedChannel channel;

    private DaemonProcess(Path root, Path socket, Path log, Process process) {
        this.root = root;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts a daemon with the default configuration but for its root and socket, and without
     * its metrics endpoint: the default port is fixed, and daemons of tests running side by side
     * would fight over it.
     */
    public static DaemonProcess start(Path root, Path socket) throws IOException {
        Path config = root.resolveSibling(root.getFileName() + "-metrics-off.toml");
        Files.createDirectories(config.getParent());
        Files.writeString(config, METRICS_OFF);
        return start(root, socket, List.of("--config", config.toString()));
    }

    /** Configuration text that turns the metrics endpoint off; append it to a test's configuration. */
    public static final String METRICS_OFF = "\n[metrics]\nenabled = false\n";

    /** Starts a daemon; {@code extraArgs} are appended to {@code serve} (e.g. {@code --config f}). */
    public static DaemonProcess start(Path root, Path socket, List<String> extraArgs) throws IOException {
        return start(root, socket, extraArgs, Map.of());
    }

    /** As {@link #start(Path, Path, List)}, with {@code environment} set for the daemon (e.g. its {@code PATH}). */
    public static DaemonProcess start(Path root, Path socket, List<String> extraArgs, Map<String, String> environment)
            throws IOException {
        Files.createDirectories(root);
        Path log = root.resolveSibling(root.getFileName() + "-daemon.log");
        List<String> args = new ArrayList<>(List.of("serve", "--root", root.toString(), "--socket", socket.toString()));
        args.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command(args))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(environment);
        Process process = builder.start();
        DaemonProcess daemon = new DaemonProcess(root, socket, log, process);
        daemon.awaitReady();
        return daemon;
    }

    /** What a command of the daemon's CLI printed and how it ended. */
    public record Exit(int code, String output) {}

    /**
     * Runs the daemon's command line with {@code args} to completion (for commands, and for
     * {@code serve} invocations expected to refuse to start); kills it after {@code timeout}.
     */
    public static Exit run(Duration timeout, List<String> args) throws IOException, InterruptedException {
        return run(timeout, List.of(), args);
    }

    /**
     * As {@link #run(Duration, List)}, with the daemon's command line appended to {@code wrapper}
     * (e.g. {@code unshare --mount sh -c '...; exec "$@"' sh}), which runs it.
     */
    public static Exit run(Duration timeout, List<String> wrapper, List<String> args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(wrapper);
        command.addAll(command(args));
        Path output = Files.createTempFile("daemon-command", ".out");
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IllegalStateException("daemon command " + args + " still running after " + timeout + ":\n"
                        + Files.readString(output));
            }
            return new Exit(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static List<String> command(List<String> args) {
        List<String> command = new ArrayList<>(List.of(
                System.getProperty("java.binary", "java"),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-jar", requiredProperty("snapshotter.jar")));
        command.addAll(args);
        return command;
    }

    private static String requiredProperty(String name) {
        String value = System.getProperty(name);
        if (value == null || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException("system property " + name + " must name the daemon jar (built by"
                    + " `mvn package` in snapshotter/), got " + value);
        }
        return value;
    }

    private void awaitReady() throws IOException {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited with " + process.exitValue() + " before serving "
                        + socket + "; its log:\n" + logText());
            }
            if (accepts(socket)) {
                return;
            }
            sleep(Duration.ofMillis(50));
        }
        process.destroyForcibly();
        throw new IllegalStateException("daemon did not serve " + socket + " within " + READY_TIMEOUT + "; log:\n"
                + logText());
    }

    /** True when something accepts connections on the Unix socket at {@code path}. */
    public static boolean accepts(Path path) {
        if (!Files.exists(path)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path root() {
        return root;
    }

    public Path socket() {
        return socket;
    }

    public long pid() {
        return process.pid();
    }

    public Process process() {
        return process;
    }

    /** The daemon's combined stdout and stderr so far. */
    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** A blocking Snapshots stub over the socket; the channel is shared and closed with the daemon. */
    public synchronized SnapshotsGrpc.SnapshotsBlockingStub snapshots() {
        if (channel == null) {
            channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                    .maxInboundMessageSize(16 << 20)
                    .build();
        }
        return SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** Every snapshot the daemon knows, through its List RPC with no filter (as containerd's GC calls it). */
    public List<Info> list() {
        List<Info> all = new ArrayList<>();
        snapshots().list(ListSnapshotsRequest.newBuilder().setSnapshotter(ContainerdProcess.SNAPSHOTTER).build())
                .forEachRemaining(batch -> all.addAll(batch.getInfoList()));
        return all;
    }

    /**
     * Names of the entries in {@code <root>/snapshots}, where, as in containerd's overlay
     * snapshotter, each snapshot has one directory named by an internal id.
     */
    public List<String> snapshotDirectories() {
        Path dir = root.resolve("snapshots");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** SIGKILL, as a crash would; waits until the process is gone. */
    public void kill() {
        closeChannel();
        process.destroyForcibly();
        waitFor(STOP_TIMEOUT);
    }

    /** SIGTERM and wait; returns the exit code. Falls back to SIGKILL after a timeout. */
    public int stop() {
        closeChannel();
        if (!Processes.stop(process, STOP_TIMEOUT)) {
            throw new IllegalStateException("daemon ignored SIGTERM for " + STOP_TIMEOUT + "; log:\n" + logText());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
        closeChannel();
    }

    private synchronized void closeChannel() {
        if (channel != null) {
            channel.shutdownNow();
            channel = null;
        }
    }

    private boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
