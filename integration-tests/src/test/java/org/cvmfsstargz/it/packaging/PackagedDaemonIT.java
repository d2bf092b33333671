package org.cvmfsstargz.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.it.estargz.EstargzImage;
import org.cvmfsstargz.it.estargz.EstargzImages;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.MetricsEndpoint;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.CleanupRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon as the snapshotter of another containerd, as on a Kubernetes node: the image
 * {@code packaging/build-image} builds runs in containerd A (standing in for the kubelet's pod, with
 * the DaemonSet's mounts read from {@code packaging/kubernetes/daemonset.yaml} and the ConfigMap's
 * configuration with its host paths moved under the test directory), and containerd B, told the
 * daemon's socket by a {@code proxy_plugins} entry, pulls through it an eStargz image (lazily: its
 * layers become FUSE mounts made inside the container that must reach B on the host) and an image
 * whose layers are published in a directory standing in for a CVMFS repository, and runs both.
 * The host directories are a shared mount point, as {@code /} is on a systemd node, so that the
 * Bidirectional mount can propagate at all.
 */
@Timeout(600)
class PackagedDaemonIT {
    private static final String IMAGE = "localhost/cvmfs-stargz-snapshotter:it";
    private static final String REPOSITORY = TestNode.REPOSITORY;
    private static final String HELLO = "hello from a lazily mounted layer\n";
    private static final String FROM_CVMFS = "from a layer on CVMFS\n";
    private static final int CHUNK = 1 << 20;
    private static final String OPT = "/opt/cvmfs-stargz-snapshotter/";

    @TempDir
    Path tmp;

    private Path shared;
    private int metricsPort;
    private RegistryProcess registry;
    private CountingProxy proxy;
    private PackagedDaemon daemon;
    private ContainerdProcess node;

    @AfterEach
    void stopEverything() {
        try (RegistryProcess r = registry; CountingProxy p = proxy; PackagedDaemon d = daemon;
                ContainerdProcess n = node) {
            // closed in reverse order: containerd B, the daemon's container and containerd A, proxy, registry
        } finally {
            ContainerdProcess.unmountUnder(tmp);
        }
    }

    @Test
    void theImageServesContainerdAsItsSnapshotterWithEstargzAndCvmfsLayers() throws Exception {
        Path archive = PackagedDaemon.buildImage(tmp.resolve("image"), IMAGE);
        shared = makeSharedMountPoint(tmp.resolve("s"));
        Path packaging = PackagedDaemon.tree().resolve("packaging");
        metricsPort = freeLoopbackPort();
        Path configDir = Files.createDirectories(tmp.resolve("configmap"));
        String config = testConfig(Files.readString(packaging.resolve("config.toml")), shared, metricsPort);
        Files.writeString(configDir.resolve("config.toml"), config);
        Path socket = Path.of(value(config, "socket"));
        Path root = Path.of(value(config, "root"));
        Path cvmfs = Path.of(value(config, "mountpoint"));
        Path daemonset = packaging.resolve("kubernetes/daemonset.yaml");
        List<String> mounts = new ArrayList<>(DaemonSetMounts.ctrOptions(DaemonSetMounts.read(daemonset), shared,
                configDir));
        mounts.addAll(DaemonSetMounts.hostNamespaceOptions(daemonset));

        registry = RegistryProcess.start(tmp.resolve("registry"));
        proxy = CountingProxy.start(registry.hostPort());
        long started = System.nanoTime();
        daemon = PackagedDaemon.start(tmp.resolve("a"), archive, IMAGE, mounts, socket, metricsPort);
        System.out.printf("packaged daemon ready %d ms after ctr run%n", (System.nanoTime() - started) / 1_000_000);
        HostProcess process = new HostProcess(daemon.hostPid());
        runsTheJvmAsTheLauncherDoes(process);
        assertThat(daemon.runOnce(IMAGE, "print-config", "/opt/cvmfs-stargz-snapshotter/runtime/bin/java", "-jar",
                "/opt/cvmfs-stargz-snapshotter/cvmfs-stargz-snapshotter.jar", "config", "containerd",
                "--containerd-version", "1.7"))
                .as("the image's own configuration names the socket the DaemonSet mounts")
                .contains("address = \"/run/cvmfs-stargz-snapshotter/snapshotter.sock\"");
        node = ContainerdProcess.start(tmp.resolve("b"), socket);
        node.alsoReportOnFailure(() -> "--- packaged daemon output ---\n" + daemon.logText());

        runsAnEstargzImageLazily(root);
        assertThat(process.mappedFiles()).as("the daemon hashed the eStargz chunks with the image's libcrypto")
                .anyMatch(path -> path.endsWith("/libcrypto.so.3"));
        runsAnImageFromCvmfs(cvmfs.resolve(REPOSITORY));
        keepsADirectoryOnlyAnOverlayInTheHostsNamespaceUses(root, socket);
        System.out.printf("packaged daemon after the pulls: VmRSS %d KiB, VmHWM %d KiB%n", process.statusKib("VmRSS"),
                process.statusKib("VmHWM"));

        node.close();
        node = null;
        assertThat(daemon.stop()).as("exit code after SIGTERM; output:\n%s", daemon.logText()).isZero();
        assertThat(mountsUnder(shared)).as("mounts left under the host directories once containerd and the daemon"
                + " stopped (the daemon unmounts its FUSE mounts)").containsExactly(shared.toString());
        daemon.close();
        daemon = null;
        assertThat(ContainerdProcess.unmountUnder(tmp)).containsExactly(shared.toString());
        assertThat(mountsUnder(tmp)).isEmpty();
    }

    /**
     * The image's entrypoint as {@code bin/cvmfs-stargz-snapshotter} runs the JVM: the options of
     * {@code jvm.options} (C1 only, the serial collector: no C2 compiler and no G1 threads) and the
     * AOT cache, which the JVM maps only when it validates against this runtime and these jars.
     */
    private static void runsTheJvmAsTheLauncherDoes(HostProcess process) throws IOException {
        assertThat(process.commandLine()).as("the daemon's command line").containsExactly(
                OPT + "runtime/bin/java", "@" + OPT + "jvm.options", "-XX:AOTCache=" + OPT + "cvmfs-stargz-snapshotter.aot",
                "-jar", OPT + "cvmfs-stargz-snapshotter.jar", "serve", "--config",
                "/etc/cvmfs-stargz-snapshotter/config.toml");
        assertThat(process.environment()).containsEntry("MALLOC_ARENA_MAX", "2");
        assertThat(process.mappedFiles()).as("files the daemon maps: the AOT cache validated and is in use")
                .anyMatch(path -> path.endsWith(OPT + "cvmfs-stargz-snapshotter.aot"));
        assertThat(process.threadNames()).as("the daemon's threads, with jvm.options' -XX:TieredStopAtLevel=1"
                + " and -XX:+UseSerialGC").anyMatch(name -> name.startsWith("C1 Compiler"))
                .noneMatch(name -> name.startsWith("C2 Compiler") || name.startsWith("G1 "));
    }

    private void runsAnEstargzImageLazily(Path root) throws Exception {
        byte[] big = Layer.randomBytes(7, 3 * CHUNK + 999);
        Image source = OciImageBuilder.image("packaged.test/it/estargz-source:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("data/hello.txt", HELLO).file("big/random.bin", big, 0644))
                .writeArchive(tmp.resolve("estargz-source.tar"));
        EstargzImage image = EstargzImages.publish(node, proxy.hostPort(), source, "it/packaged", OptionalInt.of(CHUNK));
        proxy.reset();

        node.ctrRemoteOk("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.esgzReference());

        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            long size = layer.estargz().size();
            assertThat(proxy.blobBytes(layer.estargz().digest().value()))
                    .as("bytes of layer %s (of %s) served by the pull; requests:\n%s", layer.estargz().digest(), size,
                            String.join("\n", proxy.requests()))
                    .isLessThanOrEqualTo(size < (128 << 10) ? size : size / 2);
        }
        assertThat(fuseMountsUnder(root)).as("the daemon's FUSE mounts, seen on the host").hasSize(image.layers().size());
        assertThat(node.runAndRemove(image.esgzReference(), "estargz", "/bin/sh", "-c",
                "cat /data/hello.txt; sha256sum /big/random.bin | cut -d' ' -f1"))
                .isEqualTo(HELLO + OciImageBuilder.sha256(big).substring("sha256:".length()) + "\n");
    }

    private void runsAnImageFromCvmfs(Path repository) throws Exception {
        Image image = OciImageBuilder.image(proxy.hostPort() + "/it/packaged-cvmfs:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("etc/cvmfs.txt", FROM_CVMFS))
                .writeArchive(tmp.resolve("cvmfs.tar"));
        TestNode.ingestInto(image, repository);
        node.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        node.ctrOk("images", "push", "--plain-http", image.name());
        node.ctrOk("images", "rm", "--sync", image.name());
        proxy.reset();

        node.ctrRemoteOk("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.name());

        for (String digest : image.layerDigests()) {
            assertThat(proxy.blobBytes(digest)).as("bytes of layer %s served; requests:\n%s", digest,
                    String.join("\n", proxy.requests())).isZero();
        }
        assertThat(node.runAndRemove(image.name(), "cvmfs", "/bin/cat", "/etc/cvmfs.txt")).isEqualTo(FROM_CVMFS);
        assertThat(MetricsEndpoint.value(metricsPort,
                "cvmfs_stargz_layer_decisions_total{reason=\"provided\",source=\"cvmfs\"}"))
                .as("layers the daemon provided from CVMFS").isEqualTo(image.layerDigests().size());
    }

    /**
     * The ConfigMap's configuration with its host paths under {@code hostRoot}, the test's
     * repository, and metrics on {@code metricsPort}; fails if the file no longer sets what the
     * DaemonSet mounts.
     */
    static String testConfig(String config, Path hostRoot, int metricsPort) {
        String moved = hostRoot.toString();
        config = replaceOnce(config, "socket = \"/", "socket = \"" + moved + "/");
        config = replaceOnce(config, "root = \"/", "root = \"" + moved + "/");
        config = replaceOnce(config, "mountpoint = \"/", "mountpoint = \"" + moved + "/");
        config = replaceOnce(config, "repositories = [\"unpacked.cern.ch\"]", "repositories = [\"" + REPOSITORY + "\"]");
        return replaceOnce(config, "address = \"127.0.0.1:9750\"", "address = \"127.0.0.1:" + metricsPort + "\"");
    }

    private static String replaceOnce(String text, String target, String replacement) {
        int at = text.indexOf(target);
        if (at < 0 || text.indexOf(target, at + 1) >= 0) {
            throw new IllegalStateException("packaging/config.toml should contain `" + target + "` once:\n" + text);
        }
        return text.replace(target, replacement);
    }

    /**
     * The daemon's "never delete what a mount uses" check sees the host's mounts: an orphan
     * snapshot directory (one no snapshot owns, as a removed snapshot's) that an overlay mounted
     * in the host's namespace, and not in the pod's, uses as a layer survives a Cleanup, and goes
     * at the next one once that overlay is unmounted. containerd's overlays of running
     * containers are such mounts.
     */
    private void keepsADirectoryOnlyAnOverlayInTheHostsNamespaceUses(Path root, Path socket) throws Exception {
        Path orphan = Files.createDirectories(root.resolve("snapshots/999999/fs"));
        Files.writeString(orphan.resolve("in-use"), "a running container's layer\n");
        Path overlay = Files.createDirectories(tmp.resolve("host-overlay/merged")); // outside every pod volume
        Path upper = Files.createDirectories(tmp.resolve("host-overlay/upper"));
        Path work = Files.createDirectories(tmp.resolve("host-overlay/work"));
        run("mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + orphan + ",upperdir=" + upper + ",workdir=" + work,
                overlay.toString());
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        try {
            SnapshotsGrpc.SnapshotsBlockingStub snapshots = SnapshotsGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(60, TimeUnit.SECONDS);
            CleanupRequest cleanup = CleanupRequest.newBuilder().setSnapshotter(SNAPSHOTTER).build();
            try {
                snapshots.cleanup(cleanup);
                assertThat(orphan.resolve("in-use")).as("a directory the host's overlay uses, after Cleanup")
                        .hasContent("a running container's layer\n");
            } finally {
                run("umount", overlay.toString());
            }
            snapshots.withDeadlineAfter(60, TimeUnit.SECONDS).cleanup(cleanup);
            assertThat(orphan.getParent()).as("the same directory once nothing uses it, after Cleanup")
                    .doesNotExist();
        } finally {
            channel.shutdownNow();
        }
    }

    private static String value(String config, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + " = \"([^\"]+)\"").matcher(config);
        if (!m.find()) {
            throw new IllegalStateException("no " + key + " in\n" + config);
        }
        return m.group(1);
    }

    /** {@code mount --bind dir dir; mount --make-rshared dir}: the node's shared root, in miniature. */
    private static Path makeSharedMountPoint(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        run("mount", "--bind", dir.toString(), dir.toString());
        run("mount", "--make-rshared", dir.toString());
        return dir;
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
        }
    }

    /** Mount points at or under {@code dir}, from the fifth field of mountinfo. */
    private static List<String> mountsUnder(Path dir) throws IOException {
        return mountinfo().stream().map(fields -> fields[4])
                .filter(p -> p.equals(dir.toString()) || p.startsWith(dir + "/")).toList();
    }

    private static List<String> fuseMountsUnder(Path dir) throws IOException {
        return mountinfo().stream()
                .filter(fields -> fields[4].startsWith(dir + "/"))
                .filter(fields -> List.of(fields).subList(List.of(fields).indexOf("-") + 1, fields.length).getFirst()
                        .startsWith("fuse"))
                .map(fields -> fields[4]).toList();
    }

    private static List<String[]> mountinfo() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")).toList();
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
