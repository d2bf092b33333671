package org.cvmfsstargz.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code check} on a node whose parts are real: the kernel's FUSE and overlayfs, a directory
 * standing in for a CVMFS repository (as the CVMFS tests fake {@code /cvmfs}), the daemon on its
 * socket, a registry on 127.0.0.1. A healthy node passes; each broken part is reported by its own
 * failing line and exit code 1, the rest still passing.
 */
@Timeout(180)
class CheckIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String REPOSITORY = "unpacked.test";

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private DaemonProcess daemon;
    private Path socket;
    private Path cvmfs;

    @BeforeEach
    void aNode() throws IOException {
        socket = tmp.resolve("d.sock");
        cvmfs = tmp.resolve("cvmfs");
        Files.createDirectories(cvmfs.resolve(REPOSITORY).resolve(".layers"));
        registry = RegistryProcess.start(tmp.resolve("registry"));
    }

    @AfterEach
    void stop() {
        try (RegistryProcess r = registry; DaemonProcess d = daemon) {
            // closed in reverse order
        }
    }

    @Test
    void aHealthyNodePassesEveryCheck() throws Exception {
        Path config = config(List.of(REPOSITORY), List.of(registry.hostPort()));
        daemon = DaemonProcess.start(tmp.resolve("root"), socket, List.of("--config", config.toString()));
        boolean revision = setRevision(cvmfs.resolve(REPOSITORY), "42");

        DaemonProcess.Exit exit = check(config, containerdConfig(false));

        assertThat(exit.code()).as(exit.output()).isZero();
        assertThat(lines(exit)).as(exit.output()).noneMatch(l -> l.startsWith("FAIL") || l.startsWith("warn"))
                .anyMatch(l -> l.startsWith("ok   configuration: loaded " + config))
                .anyMatch(l -> l.startsWith("ok   containerd proxy plugin: [proxy_plugins.cvmfs]"))
                .anyMatch(l -> l.startsWith("ok   CRI snapshotter: "))
                .anyMatch(l -> l.startsWith("ok   CRI snapshot annotations: "))
                .anyMatch(l -> l.startsWith("ok   daemon: a daemon accepts connections on " + socket))
                .anyMatch(l -> l.startsWith("ok   fuse: mounted, read and unmounted"))
                .anyMatch(l -> l.startsWith("ok   overlayfs: mounted, read and unmounted"))
                .anyMatch(l -> l.startsWith("ok   cvmfs " + REPOSITORY + ": mounted at " + cvmfs.resolve(REPOSITORY)))
                .anyMatch(l -> l.equals("ok   registry " + registry.hostPort() + ": GET http://" + registry.hostPort()
                        + "/v2/ answered 200"));
        if (revision) {
            assertThat(exit.output()).contains(REPOSITORY + ", revision 42");
        }
        assertThat(tmp.resolve("root")).as("the overlay probe cleaned up after itself").isDirectoryNotContaining(
                p -> p.getFileName().toString().startsWith("check-"));
    }

    @Test
    void withoutAUsableDevFuseTheFuseCheckFails() throws Exception {
        Path config = config(List.of(REPOSITORY), List.of());
        Path notFuse = Files.createFile(tmp.resolve("not-a-device"));
        // A mount namespace of its own, where /dev/fuse is an empty regular file.
        List<String> wrapper = List.of("unshare", "--mount", "--propagation", "private", "sh", "-c",
                "mount --bind \"$0\" /dev/fuse && exec \"$@\"", notFuse.toString());

        DaemonProcess.Exit exit = DaemonProcess.run(TIMEOUT, wrapper, checkArgs(config, containerdConfig(false)));

        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(lines(exit)).as(exit.output())
                .anyMatch(l -> l.startsWith("FAIL fuse: cannot mount a FUSE filesystem: ")
                        && l.contains("(/dev/fuse is not a character device)") && l.contains("; fix: load the fuse"))
                .anyMatch(l -> l.startsWith("ok   overlayfs: "))
                .filteredOn(l -> l.startsWith("FAIL")).hasSize(1);
    }

    @Test
    void aMissingCvmfsRepositoryFailsItsOwnLineOnly() throws Exception {
        Path config = config(List.of(REPOSITORY, "missing.test"), List.of());

        DaemonProcess.Exit exit = check(config, containerdConfig(false));

        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(lines(exit)).as(exit.output())
                .anyMatch(l -> l.startsWith("ok   cvmfs " + REPOSITORY + ": "))
                .anyMatch(l -> l.startsWith("FAIL cvmfs missing.test: repository root " + cvmfs.resolve("missing.test")
                        + " does not exist") && l.contains("fix: mount it (cvmfs_config probe missing.test"))
                .filteredOn(l -> l.startsWith("FAIL")).hasSize(1);
    }

    @Test
    void aContainerdConfigWithoutSnapshotAnnotationsFailsThatCheck() throws Exception {
        Path config = config(List.of(REPOSITORY), List.of());

        DaemonProcess.Exit exit = check(config, containerdConfig(true));

        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(lines(exit)).as(exit.output())
                .anyMatch(l -> l.startsWith("FAIL CRI snapshot annotations: disable_snapshot_annotations is not set")
                        && l.contains("fix: set disable_snapshot_annotations = false"))
                .filteredOn(l -> l.startsWith("FAIL")).hasSize(1);
    }

    @Test
    void anUnreachableRegistryHostFailsAndAMissingConfigurationIsAUsageError() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        Path config = config(List.of(REPOSITORY), List.of("127.0.0.1:" + closedPort));

        DaemonProcess.Exit exit = check(config, containerdConfig(false));

        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(lines(exit)).as(exit.output())
                .anyMatch(l -> l.startsWith("FAIL registry 127.0.0.1:" + closedPort + ": GET http://127.0.0.1:"
                        + closedPort + "/v2/ failed: "));
        DaemonProcess.Exit usage = check(tmp.resolve("absent.toml"), containerdConfig(false));
        assertThat(usage.code()).as(usage.output()).isEqualTo(2);
        assertThat(usage.output()).contains("FAIL configuration: " + tmp.resolve("absent.toml")
                + ": no such configuration file");
    }

    private DaemonProcess.Exit check(Path config, Path containerdConfig) throws IOException, InterruptedException {
        return DaemonProcess.run(TIMEOUT, checkArgs(config, containerdConfig));
    }

    private static List<String> checkArgs(Path config, Path containerdConfig) {
        return List.of("check", "--config", config.toString(), "--containerd-config", containerdConfig.toString());
    }

    private static List<String> lines(DaemonProcess.Exit exit) {
        return exit.output().lines().toList();
    }

    private Path config(List<String> repositories, List<String> insecureHosts) throws IOException {
        Path config = tmp.resolve("snapshotter-" + repositories.size() + "-" + insecureHosts.size() + ".toml");
        Files.writeString(config, "[daemon]\nsocket = \"" + socket + "\"\nroot = \"" + tmp.resolve("root") + "\"\n"
                + "[cvmfs]\nmountpoint = \"" + cvmfs + "\"\nrepositories = " + tomlList(repositories) + "\n"
                + "[registry]\ninsecure_hosts = " + tomlList(insecureHosts) + "\n" + DaemonProcess.METRICS_OFF);
        return config;
    }

    private Path containerdConfig(boolean withoutAnnotations) throws IOException {
        Path file = tmp.resolve(withoutAnnotations ? "containerd-no-annotations.toml" : "containerd.toml");
        Files.writeString(file, "version = 2\n\n[proxy_plugins.cvmfs]\n  type = \"snapshot\"\n  address = \"" + socket
                + "\"\n\n[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n  snapshotter = \"cvmfs\"\n"
                + (withoutAnnotations ? "" : "  disable_snapshot_annotations = false\n"));
        return file;
    }

    private static String tomlList(List<String> values) {
        List<String> quoted = new ArrayList<>();
        values.forEach(v -> quoted.add("\"" + v + "\""));
        return "[" + String.join(", ", quoted) + "]";
    }

    /** Sets {@code user.revision} as a CVMFS mount shows it, where the test's filesystem allows user xattrs. */
    private static boolean setRevision(Path root, String revision) {
        try {
            Files.getFileAttributeView(root, UserDefinedFileAttributeView.class).write("revision",
                    ByteBuffer.wrap(revision.getBytes(StandardCharsets.UTF_8)));
            return true;
        } catch (IOException | UnsupportedOperationException | NullPointerException e) {
            return false;
        }
    }
}
