package org.cvmfsstargz.it.packaging;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.DaemonProcess;

/**
 * The daemon as the DaemonSet runs it: the image {@code packaging/build-image} made, imported into
 * a containerd of its own (with its default overlayfs snapshotter, as the node's containerd runs
 * pods) and run there with {@code ctr run --privileged --net-host} and the DaemonSet's mounts
 * ({@link DaemonSetMounts}). Its stdout and stderr are {@code ctr run}'s. {@link #stop()} sends
 * SIGTERM to the container, as the kubelet does; {@link #close()} kills whatever is left and
 * closes that containerd (by PID).
 *
 * <p>Not thread-safe; the test that starts it closes it.
 */
final class PackagedDaemon implements AutoCloseable {
    static final String CONTAINER = "snapshotter";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration IMPORT_TIMEOUT = Duration.ofSeconds(120);
    /** The DaemonSet's terminationGracePeriodSeconds. */
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(90);

    private final Path dir;
    private final ContainerdProcess containerd;
    private final ContainerdProcess.BackgroundCtr run;
    private final Path socket;
    private final int metricsPort;
    private Integer exitCode;

    private PackagedDaemon(Path dir, ContainerdProcess containerd, ContainerdProcess.BackgroundCtr run, Path socket,
            int metricsPort) {
        this.dir = dir;
        this.containerd = containerd;
        this.run = run;
        this.socket = socket;
        this.metricsPort = metricsPort;
    }

    /**
     * Runs {@code packaging/build-image --no-build} of this build tree into {@code output} with
     * the JDK running the tests; returns the archive. Prints the script's summary (sizes, time).
     */
    static Path buildImage(Path output, String name) throws IOException, InterruptedException {
        Path log = Files.createDirectories(output).resolve("build-image.log");
        ProcessBuilder builder = new ProcessBuilder(tree().resolve("packaging/build-image").toString(),
                "--no-build", "--output", output.toString(), "--name", name)
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process build = builder.start();
        if (!build.waitFor(10, TimeUnit.MINUTES)) {
            build.destroyForcibly().waitFor();
            throw new AssertionError("build-image still running after 10 minutes:\n" + Files.readString(log));
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        if (build.exitValue() != 0) {
            throw new AssertionError("build-image exited with " + build.exitValue() + ":\n" + text);
        }
        System.out.println(text);
        return output.resolve("image.tar");
    }

    /** The source tree: the jar the failsafe configuration names is {@code <tree>/snapshotter/target/*.jar}. */
    static Path tree() {
        return Path.of(System.getProperty("snapshotter.jar")).toAbsolutePath().getParent().getParent().getParent();
    }

    /**
     * Starts containerd in {@code dir}, imports {@code archive}, runs {@code image} with
     * {@code mountOptions} and returns once the daemon serves {@code socket} and its metrics
     * endpoint (the DaemonSet's readiness probe) answers on {@code metricsPort}.
     */
    static PackagedDaemon start(Path dir, Path archive, String image, List<String> mountOptions, Path socket,
            int metricsPort) throws IOException {
        // The proxy plugin this containerd is configured with is never used: the daemon's pod runs
        // on the overlayfs snapshotter, as every pod whose image is not pulled through ours.
        ContainerdProcess containerd = ContainerdProcess.start(dir, dir.resolve("unused.sock"));
        try {
            ContainerdProcess.CtrResult imported = containerd.startCtr("images", "import", archive.toString())
                    .await(IMPORT_TIMEOUT);
            if (imported.exitCode() != 0) {
                throw new AssertionError(imported.describe() + containerd.diagnostics());
            }
            List<String> args = new ArrayList<>(List.of("run", "--rm", "--privileged", "--net-host"));
            args.addAll(mountOptions);
            args.addAll(List.of("--fifo-dir", dir.resolve("fifo").toString(), "--runc-root",
                    dir.resolve("runc").toString(), image, CONTAINER));
            PackagedDaemon daemon = new PackagedDaemon(dir, containerd,
                    containerd.startCtr(args.toArray(String[]::new)), socket, metricsPort);
            daemon.awaitReady();
            return daemon;
        } catch (RuntimeException | AssertionError e) {
            containerd.close();
            throw e;
        }
    }

    private void awaitReady() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!run.process().isAlive()) {
                throw new AssertionError("the daemon's container exited with " + run.process().exitValue()
                        + "; its output:\n" + logText() + containerd.diagnostics());
            }
            if (DaemonProcess.accepts(socket) && metricsStatus() == 200) {
                return;
            }
            sleep(Duration.ofMillis(200));
        }
        throw new AssertionError("the daemon's container did not serve " + socket + " and its metrics within "
                + READY_TIMEOUT + "; its output:\n" + logText() + containerd.diagnostics());
    }

    /** The status of {@code GET /metrics}, as the readiness probe asks it; 0 if nothing answers. */
    int metricsStatus() {
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build();
            return client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    Path socket() {
        return socket;
    }

    /**
     * The daemon's process ID on the host (its container's init process, the entrypoint's
     * {@code java}), from {@code ctr tasks ls}.
     */
    long hostPid() {
        for (String line : containerd.ctrOk("tasks", "ls").lines().toList()) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length >= 3 && fields[0].equals(CONTAINER) && fields[2].equals("RUNNING")) {
                return Long.parseLong(fields[1]);
            }
        }
        throw new AssertionError("no running task " + CONTAINER + " in ctr tasks ls; its output:\n" + logText());
    }

    /** Runs a command in a fresh container of the image on containerd's overlayfs; returns its stdout. */
    String runOnce(String image, String id, String... cmd) {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--fifo-dir", dir.resolve("fifo").toString(),
                "--runc-root", dir.resolve("runc").toString(),
                image, id));
        args.addAll(List.of(cmd));
        return containerd.ctrOk(args.toArray(String[]::new));
    }

    /** SIGTERM to the container's process, as the kubelet stops a pod; returns its exit code. */
    int stop() {
        if (exitCode == null) {
            containerd.ctrOk("tasks", "kill", "--signal", "SIGTERM", CONTAINER);
            exitCode = run.await(STOP_TIMEOUT).exitCode();
        }
        return exitCode;
    }

    /** What the daemon printed (ctr's stdout and stderr). */
    String logText() {
        return read(run.out()) + read(run.err());
    }

    @Override
    public void close() {
        try {
            if (run.process().isAlive()) {
                containerd.ctr(Duration.ofSeconds(30), List.of("tasks", "kill", "--signal", "SIGKILL", CONTAINER));
                run.process().destroyForcibly();
            }
        } finally {
            containerd.close();
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
