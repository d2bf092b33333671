package org.cvmfsstargz.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real daemon, started from its jar as its own process with the built-in configuration but
 * for a fresh root and socket in a temporary directory ({@code <tmp>/apibench-*}: short, since a
 * Unix socket path must fit in 107 bytes). {@link #stop()} sends SIGTERM by PID and waits;
 * {@link #close()} also stops it, then deletes the temporary directory.
 *
 * <p>Not thread-safe, except {@link #close()}, which a shutdown hook may call too. Whoever starts it closes it.
 */
final class DaemonLauncher implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final List<String> command;
    private final Process process;
    private final Duration startup;
    private boolean closed;

    private DaemonLauncher(Path dir, List<String> command, Process process, Duration startup) {
        this.dir = dir;
        this.command = List.copyOf(command);
        this.process = process;
        this.startup = startup;
    }

    /**
     * Starts the daemon of {@code jar} with {@code java} (and {@code jvmOptions}) and returns once
     * its socket accepts connections.
     */
    static DaemonLauncher start(Path java, List<String> jvmOptions, Path jar, Path tmp) throws IOException {
        Path dir = Files.createTempDirectory(tmp, "apibench-");
        Path root = dir.resolve("root");
        Path socket = dir.resolve("api.sock");
        List<String> command = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED",
                "--sun-misc-unsafe-memory-access=allow"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(),
                "serve", "--root", root.toString(), "--socket", socket.toString()));
        long begin = System.nanoTime();
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("daemon.log").toFile())
                .start();
        DaemonLauncher daemon = new DaemonLauncher(dir, command, process, Duration.ZERO);
        try {
            daemon.awaitReady();
        } catch (RuntimeException e) {
            daemon.close();
            throw e;
        }
        return new DaemonLauncher(dir, command, process, Duration.ofNanos(System.nanoTime() - begin));
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the daemon exited with " + process.exitValue()
                        + " before serving " + socket() + "; its log:\n" + log());
            }
            if (accepts(socket())) {
                return;
            }
            sleep(Duration.ofMillis(20));
        }
        throw new IllegalStateException("the daemon did not serve " + socket() + " within " + READY_TIMEOUT
                + "; its log:\n" + log());
    }

    private static boolean accepts(Path socket) {
        if (!Files.exists(socket)) {
            return false;
        }
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    Path root() {
        return dir.resolve("root");
    }

    Path socket() {
        return dir.resolve("api.sock");
    }

    long pid() {
        return process.pid();
    }

    List<String> command() {
        return command;
    }

    /** From process start until the socket first accepted a connection. */
    Duration startup() {
        return startup;
    }

    /** CPU time (user + system) the daemon's process has used so far; empty if the OS does not say. */
    Optional<Duration> cpuTime() {
        return process.info().totalCpuDuration();
    }

    /** How many snapshot directories are on disk now (removed ones linger until background cleanup). */
    long snapshotDirectories() {
        Path snapshots = root().resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return 0;
        }
        try (Stream<Path> entries = Files.list(snapshots)) {
            return entries.count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + snapshots, e);
        }
    }

    /** The daemon's combined stdout and stderr so far. */
    String log() {
        try {
            return Files.readString(dir.resolve("daemon.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Sends SIGTERM, waits, and returns the exit status and how long the daemon took to go. */
    Stopped stop() {
        long begin = System.nanoTime();
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new IllegalStateException("the daemon ignored SIGTERM for " + STOP_TIMEOUT
                        + " and was killed; its log:\n" + log());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stopping the daemon", e);
        }
        return new Stopped(process.exitValue(), Duration.ofNanos(System.nanoTime() - begin));
    }

    /**
     * How the daemon went: its exit status (0 = a clean stop; 143 = the JVM's own exit after
     * SIGTERM, which a daemon that does not handle the signal itself gives) and how long it took.
     */
    record Stopped(int exitStatus, Duration took) {}

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.isAlive()) {
                stop();
            }
        } finally {
            deleteDirectory();
        }
    }

    private void deleteDirectory() {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("api-bench: could not delete " + dir + ": " + e.getMessage());
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the daemon", e);
        }
    }
}
