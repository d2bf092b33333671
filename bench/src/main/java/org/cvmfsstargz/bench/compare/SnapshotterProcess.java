package org.cvmfsstargz.bench.compare;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.bench.startup.ProcStat;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * One snapshotter process of a {@link Variant}, cold: its own directory with a fresh root, socket,
 * configuration file and log. Reads what it used from {@code /proc}: CPU time (user + system of
 * the process, of the children it reaped and of its live descendants, from its exec) and peak
 * resident set ({@code VmHWM}). Stopped by PID with the variant's signal, then SIGKILL if it does
 * not go.
 *
 * <p>Not thread-safe, except {@link #close()}, which a shutdown hook may call. Whoever starts it closes it.
 */
final class SnapshotterProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    /** {@code /proc/<pid>/stat} counts in USER_HZ ticks, 100 per second on every Linux ABI in use. */
    private static final long NANOS_PER_TICK = 10_000_000L;
    private static final int LOG_TAIL_LINES = 150;

    private final Variant variant;
    private final Path socket;
    private final Path log;
    private final Process process;

    private SnapshotterProcess(Variant variant, Path socket, Path log, Process process) {
        this.variant = variant;
        this.socket = socket;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts {@code variant} in {@code dir} (root {@code dir/root}, socket {@code dir/s.sock},
     * configuration {@code dir/config.toml} holding {@code config}); returns once its socket accepts.
     */
    static SnapshotterProcess start(Variant variant, Path dir, String config) throws IOException {
        Files.createDirectories(dir);
        Path root = Files.createDirectories(dir.resolve("root"));
        Path socket = dir.resolve("s.sock");
        Path configFile = Files.writeString(dir.resolve("config.toml"), config);
        Path log = dir.resolve("snapshotter.log");
        List<String> command = variant.command(socket, root, configFile);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        if (variant.kind() == Variant.Kind.OURS) {
            DaemonProcess.launcherEnvironment(builder.environment());
        }
        Process process = builder.start();
        SnapshotterProcess started = new SnapshotterProcess(variant, socket, log, process);
        started.awaitReady(command);
        return started;
    }

    private void awaitReady(List<String> command) throws IOException {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(variant.label() + " exited with " + process.exitValue() + " before serving "
                        + socket + ": " + String.join(" ", command) + "\n" + logTail());
            }
            if (DaemonProcess.accepts(socket)) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                close();
                throw new IOException("interrupted while starting " + variant.label(), e);
            }
        }
        close();
        throw new IOException(variant.label() + " did not serve " + socket + " within " + READY_TIMEOUT + "\n"
                + logTail());
    }

    Variant variant() {
        return variant;
    }

    Path socket() {
        return socket;
    }

    long pid() {
        return process.pid();
    }

    /** CPU time since its exec: its own, its reaped children's and its live descendants'; zero if unreadable. */
    Duration cpu() {
        long ticks = ticksOf(process.pid());
        for (ProcessHandle child : process.descendants().toList()) {
            ticks += ticksOf(child.pid());
        }
        return Duration.ofNanos(ticks * NANOS_PER_TICK);
    }

    /** Peak resident set so far, {@code VmHWM} of {@code /proc/<pid>/status}, bytes; 0 if unreadable. */
    long peakRss() {
        try {
            return vmHwm(Files.readString(Path.of("/proc", Long.toString(process.pid()), "status"))).orElse(0L);
        } catch (IOException e) {
            return 0;
        }
    }

    /** {@code VmHWM:  12345 kB} of a {@code status} file, in bytes. */
    static Optional<Long> vmHwm(String status) {
        return status.lines().filter(l -> l.startsWith("VmHWM:")).findFirst()
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024);
    }

    private static long ticksOf(long pid) {
        try {
            return ProcStat.cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat"))).orElse(0L);
        } catch (IOException e) {
            return 0; // exited meanwhile: its time is in its parent's reaped children
        }
    }

    /**
     * Sends the variant's stop signal by PID and waits; SIGKILL if it has not gone after 30 s.
     * Returns the exit status (128 + the signal's number for a process the signal ended).
     */
    int stop() throws IOException {
        if (process.isAlive()) {
            if (variant.stopSignal().equals("TERM")) {
                process.destroy();
            } else {
                Shell.run(List.of("kill", "-s", variant.stopSignal(), Long.toString(process.pid())),
                        Duration.ofSeconds(10));
            }
        }
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new IOException(variant.label() + " ignored SIG" + variant.stopSignal() + " for " + STOP_TIMEOUT
                        + " and was killed\n" + logTail());
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping " + variant.label(), e);
        }
        return process.exitValue();
    }

    /** The end of its log (standard output and error together). */
    String logTail() {
        try {
            List<String> lines = new String(Files.readAllBytes(log), StandardCharsets.UTF_8).lines().toList();
            return "--- " + variant.label() + " log (" + log + ", end) ---\n"
                    + String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(" + variant.label() + " log unreadable: " + e + ")";
        }
    }

    /** Stops it if it still runs; failures are printed, never thrown. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        try {
            stop();
        } catch (IOException | RuntimeException e) {
            System.err.println("compare-bench: stopping " + variant.label() + ": " + e.getMessage());
        }
    }
}
