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
        DaemonProcess daemon = launch(root, socket, extraArgs, environment);
        daemon.awaitReady();
        return daemon;
    }

    /**
     * Starts the daemon's process and returns at once, before it serves: for tests of what a client
     * meets the moment the socket appears.
     */
    public static DaemonProcess launch(Path root, Path socket, List<String> extraArgs, Map<String, String> environment)
            throws IOException {
        Files.createDirectories(root);
        Path log = root.resolveSibling(root.getFileName() + "-daemon.log");
        List<String> args = new ArrayList<>(List.of("serve", "--root", root.toString(), "--socket", socket.toString()));
        args.addAll(extraArgs);
        ProcessBuilder builder = new ProcessBuilder(command(args))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        launcherEnvironment(builder.environment());
        builder.environment().putAll(environment);
        return new DaemonProcess(root, socket, log, builder.start());
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
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            launcherEnvironment(builder.environment());
            Process process = builder.start();
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

    /**
     * The daemon's command line as the launcher ({@code bin/cvmfs-stargz-snapshotter}) makes it:
     * the JVM options of {@code jvm.options} beside the jar and its AOT cache when the build made
     * one, so tests run the daemon as it ships. A jar copied without them (a benchmark of an older
     * build) runs with the two options every build needs.
     */
    private static List<String> command(List<String> args) {
        List<String> command = javaCommand(Path.of(System.getProperty("java.binary", "java")),
                Path.of(requiredProperty("snapshotter.jar")));
        command.addAll(args);
        return command;
    }

    /**
     * {@code java} with the daemon's JVM options and AOT cache, up to {@code -jar <jar>}: how the
     * launcher starts the daemon of {@code jar}, for tests and benchmarks of any build.
     */
    public static List<String> javaCommand(Path java, Path daemonJar) {
        Path jar = daemonJar.toAbsolutePath();
        Path options = jar.resolveSibling("jvm.options");
        Path aot = jar.resolveSibling("cvmfs-stargz-snapshotter.aot");
        List<String> command = new ArrayList<>(List.of(java.toString()));
        if (Files.isRegularFile(options)) {
            command.add("@" + options);
        } else {
            command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        }
        if (Files.isRegularFile(aot)) {
            command.add("-XX:AOTCache=" + aot);
        }
        command.addAll(List.of("-jar", jar.toString()));
        return command;
    }

    /** As the launcher sets it: two glibc malloc arenas, not one per thread. */
    public static void launcherEnvironment(Map<String, String> environment) {
        environment.putIfAbsent("MALLOC_ARENA_MAX", "2");
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
