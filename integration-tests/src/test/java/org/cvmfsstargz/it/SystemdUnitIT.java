package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd unit's {@code ExecStart=} line, run as written but without systemd. The build is
 * installed with {@code systemd/install} under a temporary root ({@code DESTDIR}), and every
 * absolute path the unit names (the launcher, {@code --config}, {@code EnvironmentFile=}) is
 * taken under that root, as {@code systemd-analyze --root} would: the documented layout, not
 * this build tree, is what runs. Only the configuration file's socket and root are the test's.
 * The process gets the environment systemd would give it (the unit's {@code Environment=} and
 * {@code EnvironmentFile=}, systemd's PATH, nothing inherited), is stopped with the unit's
 * {@code KillSignal=} and must exit 0 within its {@code TimeoutStopSec=}.
 */
@Timeout(600)
class SystemdUnitIT {
    private static final String SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    @TempDir
    Path tmp;

    @Test
    void theUnitsExecStartServesTheSocketAndSigtermStopsItCleanlyWithinTimeoutStopSec() throws Exception {
        Path root = tmp.resolve("root");
        install(root);
        Map<String, List<String>> service = serviceSection(root.resolve("etc/systemd/system/cvmfs-stargz-snapshotter.service"));
        Path socket = tmp.resolve("s.sock");
        Files.writeString(root.resolve("etc/cvmfs-stargz-snapshotter/config.toml"), """
                [daemon]
                socket = "%s"
                root = "%s"
                """.formatted(socket, tmp.resolve("state")));
        Path envFile = under(root, service.get("EnvironmentFile").getFirst().replaceFirst("^-", ""));
        Files.writeString(envFile, "JAVA_HOME=" + System.getProperty("java.home") + "\n", StandardOpenOption.APPEND);

        List<String> command = new ArrayList<>();
        for (String word : service.get("ExecStart").getFirst().split(" +")) {
            command.add(word.startsWith("/") ? under(root, word).toString() : word);
        }
        ProcessBuilder builder = new ProcessBuilder(command).directory(new File("/"))
                .redirectInput(new File("/dev/null")).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("daemon.log").toFile());
        builder.environment().clear();
        builder.environment().put("PATH", SYSTEMD_PATH);
        // Environment= holds space-separated assignments; an environment file, one per line.
        service.getOrDefault("Environment", List.of()).forEach(value -> List.of(value.split(" +"))
                .forEach(assignment -> put(builder.environment(), assignment)));
        Files.readAllLines(envFile).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#"))
                .forEach(assignment -> put(builder.environment(), assignment));

        long started = System.nanoTime();
        Process process = builder.start();
        try {
            while (!DaemonProcess.accepts(socket)) {
                assertThat(process.isAlive()).as("daemon running; log:\n%s", log()).isTrue();
                Thread.sleep(50);
            }
            System.out.printf("socket served %d ms after ExecStart%n", (System.nanoTime() - started) / 1_000_000);
            assertThat(process.info().command()).as("the launcher execs the JVM, so KillSignal reaches it")
                    .hasValueSatisfying(c -> assertThat(c).endsWith("/bin/java"));
            assertThat(process.info().arguments()).as("the JVM runs with the installed options and AOT cache")
                    .hasValueSatisfying(args -> assertThat(args).contains(
                            "@" + root.resolve("usr/local/lib/cvmfs-stargz-snapshotter/jvm.options"),
                            "-XX:AOTCache=" + root.resolve("usr/local/lib/cvmfs-stargz-snapshotter/cvmfs-stargz-snapshotter.aot")));
            assertThat(listOverGrpc(socket)).isZero();

            assertThat(service.get("KillSignal")).containsExactly("SIGTERM");
            Duration timeoutStop = Duration.ofSeconds(Long.parseLong(service.get("TimeoutStopSec").getFirst()));
            long stopping = System.nanoTime();
            process.destroy(); // SIGTERM
            assertThat(process.waitFor(timeoutStop.toMillis(), TimeUnit.MILLISECONDS))
                    .as("stopped within TimeoutStopSec=%s; log:\n%s", timeoutStop, log()).isTrue();
            System.out.printf("stopped %d ms after SIGTERM%n", (System.nanoTime() - stopping) / 1_000_000);
            assertThat(process.exitValue()).as("exit code; log:\n%s", log()).isZero();
            assertThat(socket).doesNotExist();
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void theUnitStartsAfterTheNetworkIsOnlineAndBeforeContainerd() throws Exception {
        Map<String, List<String>> unit = section(tree().resolve("systemd/cvmfs-stargz-snapshotter.service"), "[Unit]");

        // A restore fetches what was not kept on disk from the registry: the first attempt should find a network.
        assertThat(unit.get("After")).as("After=").contains("network-online.target");
        assertThat(unit.get("Wants")).as("Wants=, since network-online.target is passive").contains(
                "network-online.target");
        assertThat(unit.get("Before")).contains("containerd.service");
    }

    /** The tree whose snapshotter module built the jar under test: <tree>/snapshotter/target/x.jar. */
    private static Path tree() {
        return Path.of(System.getProperty("snapshotter.jar")).toAbsolutePath().getParent().getParent().getParent();
    }

    /** Runs {@code systemd/install} of this build tree with {@code DESTDIR=root}. */
    private static void install(Path root) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(tree().resolve("systemd/install").toString()).inheritIO();
        builder.environment().put("DESTDIR", root.toString());
        Process install = builder.start();
        // It trains the AOT cache for the installed jars: a daemon's start, a pull and reads, tens of seconds.
        assertThat(install.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(install.exitValue()).as("systemd/install exit code").isZero();
        assertThat(root.resolve("usr/local/bin/cvmfs-stargz-snapshotter")).isExecutable();
        Path lib = root.resolve("usr/local/lib/cvmfs-stargz-snapshotter");
        assertThat(lib.resolve("cvmfs-stargz-snapshotter.aot")).isNotEmptyFile();
        assertThat(Files.readString(lib.resolve("cvmfs-stargz-snapshotter.aot.jdk")).strip())
                .isEqualTo(System.getProperty("java.runtime.version"));
    }

    /** The {@code [Service]} section's settings, each key's values in order; comments skipped. */
    private static Map<String, List<String>> serviceSection(Path unit) throws IOException {
        Map<String, List<String>> settings = section(unit, "[Service]");
        assertThat(settings.get("ExecStart")).hasSize(1).allSatisfy(line ->
                assertThat(line).as("a line this test splits as systemd would").doesNotContain("\"", "'", "$", "%"));
        return settings;
    }

    /** The settings of {@code name} (e.g. {@code [Unit]}), each key's values in order; comments skipped. */
    private static Map<String, List<String>> section(Path unit, String name) throws IOException {
        Map<String, List<String>> settings = new LinkedHashMap<>();
        String section = "";
        for (String line : Files.readAllLines(unit)) {
            line = line.strip();
            assertThat(line).as("no continuation lines to parse").doesNotEndWith("\\");
            if (line.startsWith("[")) {
                section = line;
            } else if (section.equals(name) && !line.isEmpty() && !line.startsWith("#")) {
                int eq = line.indexOf('=');
                settings.computeIfAbsent(line.substring(0, eq), k -> new ArrayList<>()).add(line.substring(eq + 1));
            }
        }
        return settings;
    }

    private static void put(Map<String, String> env, String assignment) {
        int eq = assignment.indexOf('=');
        env.put(assignment.substring(0, eq), assignment.substring(eq + 1));
    }

    private static Path under(Path root, String absolute) {
        return root.resolve(absolute.substring(1));
    }

    private static int listOverGrpc(Path socket) {
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        try {
            int[] snapshots = {0};
            SnapshotsGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                    .list(ListSnapshotsRequest.newBuilder().setSnapshotter("cvmfs").build())
                    .forEachRemaining(batch -> snapshots[0] += batch.getInfoCount());
            return snapshots[0];
        } finally {
            channel.shutdownNow();
        }
    }

    private String log() throws IOException {
        return Files.readString(tmp.resolve("daemon.log"));
    }
}
