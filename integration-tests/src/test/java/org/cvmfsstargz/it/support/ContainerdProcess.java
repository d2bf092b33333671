package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real containerd (Debian 12's 1.6 unless a {@link ContainerdRelease} is given) with its root, state, sockets, temp mounts and runc state all under one
 * test directory, talking to our daemon as the proxy snapshotter {@value #SNAPSHOTTER}, plus
 * that release's {@code ctr} against it. {@link #close()} deletes the tasks and containers it ran, stops
 * containerd by PID and unmounts whatever is left under the directory.
 *
 * <p>Not thread-safe, except that {@link #ctr} may run from several threads; the test that starts
 * it closes it.
 */
public final class ContainerdProcess implements AutoCloseable {
    /** The proxy plugin name: the {@code --snapshotter} value and the name in every request. */
    public static final String SNAPSHOTTER = "cvmfs";
    /** The namespace tests work in; {@link #close()} cleans every namespace anyway. */
    public static final String NAMESPACE = "it";

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration CTR_TIMEOUT = Duration.ofSeconds(60);
    private static final int LOG_TAIL_LINES = 300;
    private static final Pattern OCTAL_ESCAPE = Pattern.compile("\\\\([0-7]{3})");

    private final ContainerdRelease release;
    private final Path dir;
    private final Path address;
    private final Path log;
    private final Process process;
    private final AtomicInteger ctrCalls = new AtomicInteger();
    private Supplier<String> moreDiagnostics = () -> "";

    private ContainerdProcess(ContainerdRelease release, Path dir, Path address, Path log, Process process) {
        this.release = release;
        this.dir = dir;
        this.address = address;
        this.log = log;
        this.process = process;
    }

    /**
     * Starts containerd in {@code dir} (keep it short: shim and ttrpc sockets live there) with the
     * proxy snapshotter at {@code snapshotterSocket} and CRI disabled; returns once {@code ctr
     * version} answers. Dialing the snapshotter is lazy, so the daemon may start before or after.
     */
    public static ContainerdProcess start(Path dir, Path snapshotterSocket) throws IOException {
        return start(ContainerdRelease.V1_6, dir, snapshotterSocket);
    }

    /** Like {@link #start(Path, Path)}, on {@code release} with its own config layout. */
    public static ContainerdProcess start(ContainerdRelease release, Path dir, Path snapshotterSocket)
            throws IOException {
        Path address = dir.resolve("c.sock");
        return launch(release, dir, address,
                ContainerdConfig.write(release, dir, address, snapshotterSocket, SNAPSHOTTER));
    }

    /**
     * Like {@link #start}, but with the CRI plugin serving {@code runtime.v1} on {@link #address()}
     * (see {@link CriImageClient}): it pulls into our snapshotter with the {@code cri.*} layer labels,
     * keeps images in namespace {@value CriImageClient#NAMESPACE} (use {@link #ctrIn} there), and
     * reaches the registry at {@code registryHostPort} over plain HTTP. No pod, network or sandbox
     * image is set up; the image service is what this is for.
     */
    public static ContainerdProcess startWithCri(Path dir, Path snapshotterSocket, String registryHostPort)
            throws IOException {
        return startWithCri(ContainerdRelease.V1_6, dir, snapshotterSocket, registryHostPort);
    }

    /** Like {@link #startWithCri(Path, Path, String)}, on {@code release} with its own config layout. */
    public static ContainerdProcess startWithCri(ContainerdRelease release, Path dir, Path snapshotterSocket,
            String registryHostPort) throws IOException {
        Path address = dir.resolve("c.sock");
        return launch(release, dir, address, ContainerdConfig.writeWithCri(release, dir, address, snapshotterSocket,
                SNAPSHOTTER, registryHostPort));
    }

    private static ContainerdProcess launch(ContainerdRelease release, Path dir, Path address, Path config)
            throws IOException {
        Path log = dir.resolve("containerd.log");
        ProcessBuilder builder = new ProcessBuilder(release.binary("containerd").toString(), "--config",
                config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        cleanEnvironment(builder.environment(), dir, release);
        ContainerdProcess containerd = new ContainerdProcess(release, dir, address, log, builder.start());
        containerd.awaitReady();
        return containerd;
    }

    /**
     * containerd mounts snapshots to apply layers under $XDG_RUNTIME_DIR or $TMPDIR; pointing both
     * into the test directory lets {@link #close()} find a mount a crash left behind. The release's
     * directory comes first on PATH: containerd starts the {@code containerd-shim-runc-v2} it finds
     * there, and a shim of another release may not speak its task API.
     */
    private static void cleanEnvironment(Map<String, String> env, Path dir, ContainerdRelease release) {
        env.keySet().removeIf(k -> k.startsWith("CONTAINERD_"));
        String system = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        env.put("PATH", release == ContainerdRelease.V1_6 ? system : release.binDir() + ":" + system);
        env.put("TMPDIR", dir.resolve("tmp").toString());
        env.put("XDG_RUNTIME_DIR", dir.resolve("tmp").toString());
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("containerd exited with " + process.exitValue() + "; log:\n" + logText());
            }
            if (DaemonProcess.accepts(address) && ctr(Duration.ofSeconds(5), List.of("version")).exitCode() == 0) {
                return;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        stop();
        unmountUnder(dir);
        throw new IllegalStateException("containerd did not serve " + address + " within " + READY_TIMEOUT
                + "; log:\n" + logText());
    }

    /** Adds text (e.g. the daemon's log) to every failure this object reports. */
    public void alsoReportOnFailure(Supplier<String> diagnostics) {
        this.moreDiagnostics = diagnostics;
    }

    /** The outcome of one {@code ctr} invocation. */
    public record CtrResult(List<String> command, int exitCode, String stdout, String stderr) {
        public CtrResult {
            command = List.copyOf(command);
        }

        public String describe() {
            return String.join(" ", command) + "\nexit code: " + exitCode + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    /** A {@code ctr} started in the background, e.g. a pull the test interrupts; its output goes to files. */
    public record BackgroundCtr(List<String> command, Process process, Path out, Path err) {
        /** Waits for the exit; on timeout kills this ctr (ours, by PID) and fails with its output. */
        public CtrResult await(Duration timeout) {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    throw new AssertionError("ctr did not finish within " + timeout + ": " + result(-1).describe());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new AssertionError("interrupted waiting for " + command, e);
            }
            return result(process.exitValue());
        }

        private CtrResult result(int exitCode) {
            return new CtrResult(command, exitCode, read(out), read(err));
        }
    }

    /** Starts {@code ctr --address <ours> -n it <args>} without waiting for it. */
    public BackgroundCtr startCtr(String... args) {
        return startCtr(NAMESPACE, List.of(args));
    }

    private BackgroundCtr startCtr(String namespace, List<String> args) {
        return startClient(release.binary("ctr").toString(), namespace, args);
    }

    /**
     * Runs stargz-snapshotter's {@code ctr-remote} (ctr plus {@code image rpull}, the pull that
     * passes layer labels to the snapshotter) and returns its stdout; fails unless it exits 0.
     */
    public String ctrRemoteOk(String... args) {
        return clientOk("ctr-remote", NAMESPACE, List.of(args));
    }

    /** Runs a ctr-like client to completion; fails with its output and the logs unless it exits 0. */
    private String clientOk(String binary, String namespace, List<String> args) {
        CtrResult result;
        try {
            result = startClient(binary, namespace, args).await(CTR_TIMEOUT);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + diagnostics(), e);
        }
        if (result.exitCode() != 0) {
            throw new AssertionError(result.describe() + diagnostics());
        }
        return result.stdout();
    }

    private BackgroundCtr startClient(String binary, String namespace, List<String> args) {
        List<String> command = new ArrayList<>(List.of(binary, "--address", address.toString(), "-n", namespace));
        command.addAll(args);
        int n = ctrCalls.incrementAndGet();
        Path out = dir.resolve("ctr").resolve(n + ".out");
        Path err = dir.resolve("ctr").resolve(n + ".err");
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        cleanEnvironment(builder.environment(), dir, release);
        try {
            return new BackgroundCtr(List.copyOf(command), builder.start(), out, err);
        } catch (IOException e) {
            throw new AssertionError("cannot start " + command, e);
        }
    }

    /** Runs ctr in namespace {@value #NAMESPACE} and returns whatever happened. */
    public CtrResult ctr(Duration timeout, List<String> args) {
        try {
            return startCtr(NAMESPACE, args).await(timeout);
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + diagnostics(), e);
        }
    }

    /**
     * Pushes {@code image} to its registry over plain HTTP and returns ctr's stdout; a push that
     * fails is tried once more. Pushing is a test's set-up, not what it checks, and a push by
     * containerd 1.6 was seen to fail once on a loaded machine with {@code unexpected EOF} while
     * reading its own content store (the registry saw the client leave before sending a byte);
     * pushing again is harmless. The first failure is printed.
     */
    public String pushOk(String image) {
        CtrResult first = ctr(CTR_TIMEOUT, List.of("images", "push", "--plain-http", image));
        if (first.exitCode() == 0) {
            return first.stdout();
        }
        System.out.println("push of " + image + " failed, pushing again:\n" + first.describe());
        return ctrOk("images", "push", "--plain-http", image);
    }

    /** Runs ctr and returns its stdout; fails with its output and the logs unless it exits 0. */
    public String ctrOk(String... args) {
        return ctrIn(NAMESPACE, args);
    }

    /**
     * Like {@link #ctrOk}, in {@code namespace}: e.g. {@value CriImageClient#NAMESPACE}, where CRI
     * keeps what it pulls.
     */
    public String ctrIn(String namespace, String... args) {
        return clientOk(release.binary("ctr").toString(), namespace, List.of(args));
    }

    /**
     * {@code ctr run --rm} on our snapshotter; returns the container's stdout. runc state and IO
     * FIFOs go to the test directory instead of /run/containerd.
     */
    public String runAndRemove(String image, String containerId, String... cmd) {
        return run(NAMESPACE, List.of("--rm"), image, containerId, cmd);
    }

    /** Like {@link #runAndRemove}, in {@code namespace} (e.g. with an image CRI pulled). */
    public String runAndRemoveIn(String namespace, String image, String containerId, String... cmd) {
        return run(namespace, List.of("--rm"), image, containerId, cmd);
    }

    /** Like {@link #runAndRemove} but keeps the container, and so its active snapshot. */
    public String run(String image, String containerId, String... cmd) {
        return run(NAMESPACE, List.of(), image, containerId, cmd);
    }

    private String run(String namespace, List<String> options, String image, String containerId, String... cmd) {
        List<String> args = new ArrayList<>(List.of("run", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", dir.resolve("fifo").toString(), "--runc-root", dir.resolve("runc").toString()));
        args.addAll(options);
        args.add(image);
        args.add(containerId);
        args.addAll(Arrays.asList(cmd));
        return ctrIn(namespace, args.toArray(String[]::new));
    }

    /** The release this containerd is. */
    public ContainerdRelease release() {
        return release;
    }

    /** containerd's main socket: ctr's {@code --address}, and where CRI is served when enabled. */
    public Path address() {
        return address;
    }

    /**
     * Waits until containerd reaches a restarted snapshotter daemon. containerd re-dials a dead
     * proxy with backoff capped at 3 s (services/server/server.go@v1.6.20) and fails calls fast
     * meanwhile. Prepare is the cheapest call that reaches the daemon (Walk and Stat of unknown
     * keys stay in containerd's meta.db); its snapshot is removed again.
     */
    public void awaitSnapshotterReconnected(Duration timeout) {
        List<String> probe = List.of("snapshots", "--snapshotter", SNAPSHOTTER, "prepare", "reconnect-probe");
        Instant deadline = Instant.now().plus(timeout);
        while (ctr(timeout, probe).exitCode() != 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("containerd did not reach the restarted snapshotter within " + timeout
                        + diagnostics());
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "rm", "reconnect-probe");
    }

    /** The tail of containerd's log and of whatever {@link #alsoReportOnFailure} added. */
    public String diagnostics() {
        return "\n--- containerd log (tail) ---\n" + tail(logText()) + "\n" + moreDiagnostics.get();
    }

    public String logText() {
        return read(log);
    }

    /**
     * Deletes every task and container (containerd leaves them running when it stops), stops
     * containerd (SIGTERM, then SIGKILL), kills shims still serving it and unmounts what remains.
     */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                removeTasksAndContainers();
            }
        } finally {
            stop();
            killLeftoverShims();
            unmountUnder(dir);
        }
    }

    private void removeTasksAndContainers() {
        Duration quick = Duration.ofSeconds(20);
        for (String namespace : lines(startCtr("default", List.of("namespaces", "ls", "-q")).await(quick))) {
            for (String task : lines(startCtr(namespace, List.of("tasks", "ls", "-q")).await(quick))) {
                startCtr(namespace, List.of("tasks", "rm", "-f", task)).await(quick);
            }
            for (String container : lines(startCtr(namespace, List.of("containers", "ls", "-q")).await(quick))) {
                startCtr(namespace, List.of("containers", "rm", container)).await(quick);
            }
        }
    }

    private void stop() {
        Processes.stop(process, STOP_TIMEOUT);
    }

    /** Shims outlive containerd by design; ours are the ones whose arguments name our socket. */
    private void killLeftoverShims() {
        String ours = address.toString();
        ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(ours)).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /** Unmounts every mount point at or under {@code root}, deepest first; returns them. */
    public static List<String> unmountUnder(Path root) {
        String prefix = root.toAbsolutePath().normalize().toString();
        List<String> points;
        try {
            points = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                    .map(line -> unescapeMountinfo(line.split(" ")[4]))
                    .filter(p -> p.equals(prefix) || p.startsWith(prefix + "/"))
                    .sorted(Comparator.comparingInt(String::length).reversed())
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read /proc/self/mountinfo", e);
        }
        for (String point : points) {
            if (runQuietly("umount", point) != 0) {
                runQuietly("umount", "-l", point); // busy (e.g. a stray process inside): detach it
            }
        }
        return points;
    }

    /** mountinfo escapes space, tab, newline and backslash as a backslash and three octal digits. */
    private static String unescapeMountinfo(String field) {
        return OCTAL_ESCAPE.matcher(field).replaceAll(
                m -> Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 8))));
    }

    private static int runQuietly(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static List<String> lines(CtrResult result) {
        return result.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    private static String tail(String text) {
        List<String> lines = text.lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
