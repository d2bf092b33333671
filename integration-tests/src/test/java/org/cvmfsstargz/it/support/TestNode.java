package org.cvmfsstargz.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;

/**
 * One node for the end-to-end tests (CVMFS and eStargz), all under the test's directory: a registry behind a
 * counting proxy (images are named after the proxy, so every pull is counted), a directory
 * standing in for {@code /cvmfs} that {@code ingest} fills, the daemon configured to use it, and
 * containerd. {@link #close()} stops everything in the order {@link Teardown} uses.
 */
public final class TestNode implements AutoCloseable {
    /** The repository the tests ingest into, under {@link #cvmfs()}. */
    public static final String REPOSITORY = "unpacked.test";

    /**
     * Prints the container's whole root filesystem (its own mounts excluded): one line per entry
     * with type, mode and owner, for files also size and link count, plus the content hash of
     * regular files and the target of symbolic links. Uses busybox applets only. A directory's
     * size and link count say nothing about the image: overlayfs reports one link for any
     * directory it merges from several layers, and mount points report their own filesystem's.
     */
    public static final String TREE_SCRIPT = String.join("\n",
            "find / -xdev | sort | while read -r f; do",
            "  if [ -d \"$f\" ] && [ ! -L \"$f\" ]; then stat -c '%n|%F|%a|%u:%g' \"$f\"; continue; fi",
            "  stat -c '%n|%F|%a|%u:%g|%s|%h' \"$f\"",
            "  if [ -L \"$f\" ]; then echo \"  -> $(readlink \"$f\")\";",
            "  elif [ -f \"$f\" ]; then echo \"  $(sha256sum < \"$f\")\"; fi",
            "done");

    private final Path tmp;
    private final Path cvmfs;
    private final Path config;
    private final RegistryProcess registry;
    private final CountingProxy proxy;
    private DaemonProcess daemon;
    private final ContainerdProcess containerd;
    private int containers;

    private TestNode(Path tmp, Path cvmfs, Path config, RegistryProcess registry, CountingProxy proxy,
            DaemonProcess daemon, ContainerdProcess containerd) {
        this.tmp = tmp;
        this.cvmfs = cvmfs;
        this.config = config;
        this.registry = registry;
        this.proxy = proxy;
        this.daemon = daemon;
        this.containerd = containerd;
    }

    /** Starts a node whose daemon asks {@code repositories} (under {@link #cvmfs()}) in order. */
    public static TestNode start(Path tmp, String cvmfsSection, List<String> repositories) throws IOException {
        return start(ContainerdRelease.V1_6, tmp, cvmfsSection, repositories, false);
    }

    /** The same, with containerd's CRI plugin serving (its snapshotter ours, snapshot annotations on). */
    public static TestNode startWithCri(Path tmp, List<String> repositories) throws IOException {
        return start(ContainerdRelease.V1_6, tmp, "", repositories, true);
    }

    /** Like {@link #start(Path, String, List)} on containerd {@code release}. */
    public static TestNode start(ContainerdRelease release, Path tmp, String cvmfsSection, List<String> repositories)
            throws IOException {
        return start(release, tmp, cvmfsSection, repositories, false);
    }

    /** Like {@link #startWithCri(Path, List)} on containerd {@code release}. */
    public static TestNode startWithCri(ContainerdRelease release, Path tmp, String cvmfsSection,
            List<String> repositories) throws IOException {
        return start(release, tmp, cvmfsSection, repositories, true);
    }

    private static TestNode start(ContainerdRelease release, Path tmp, String cvmfsSection, List<String> repositories,
            boolean cri) throws IOException {
        Path cvmfs = Files.createDirectories(tmp.resolve("cvmfs"));
        Path config = tmp.resolve("snapshotter.toml");
        Files.writeString(config, "[cvmfs]\nmountpoint = \"" + cvmfs + "\"\nrepositories = ["
                + repositories.stream().map(r -> "\"" + r + "\"").collect(Collectors.joining(", ")) + "]\n"
                + cvmfsSection + (cvmfsSection.contains("[metrics]") ? "" : DaemonProcess.METRICS_OFF));
        RegistryProcess registry = null;
        CountingProxy proxy = null;
        DaemonProcess daemon = null;
        try {
            registry = RegistryProcess.start(tmp.resolve("registry"));
            proxy = CountingProxy.start(registry.hostPort());
            daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"),
                    List.of("--config", config.toString()));
            ContainerdProcess containerd = cri
                    ? ContainerdProcess.startWithCri(release, tmp.resolve("containerd"), daemon.socket(),
                            proxy.hostPort())
                    : ContainerdProcess.start(release, tmp.resolve("containerd"), daemon.socket());
            TestNode node = new TestNode(tmp, cvmfs, config, registry, proxy, daemon, containerd);
            containerd.alsoReportOnFailure(node::diagnostics);
            return node;
        } catch (IOException | RuntimeException e) {
            try (RegistryProcess r = registry; CountingProxy p = proxy; DaemonProcess d = daemon) {
                ContainerdProcess.unmountUnder(tmp);
            }
            throw e;
        }
    }

    public Path cvmfs() {
        return cvmfs;
    }

    public DaemonProcess daemon() {
        return daemon;
    }

    public ContainerdProcess containerd() {
        return containerd;
    }

    public CountingProxy proxy() {
        return proxy;
    }

    /** The name an image gets so that it is pulled through the proxy. */
    public String imageName(String repositoryAndTag) {
        return proxy.hostPort() + "/" + repositoryAndTag;
    }

    /** Unpacks {@code image} into DUCC's layout in {@code repository}, with the daemon's own {@code ingest}. */
    public void ingest(Image image, String repository) throws IOException, InterruptedException {
        ingestInto(image, cvmfs.resolve(repository));
    }

    /** Unpacks {@code image} into DUCC's layout under {@code dir}. */
    public static void ingestInto(Image image, Path dir) throws IOException, InterruptedException {
        DaemonProcess.Exit exit = DaemonProcess.run(Duration.ofSeconds(120), List.of("ingest", "--image",
                image.archive().toString(), "--output", dir.toString()));
        assertThat(exit.code()).as("ingest output:\n%s", exit.output()).isZero();
    }

    /** The directory DUCC's layout gives layer {@code digest} in {@code repository}. */
    public Path layerDir(String repository, String digest) {
        String hex = digest.substring("sha256:".length());
        return cvmfs.resolve(repository).resolve(".layers").resolve(hex.substring(0, 2)).resolve(hex);
    }

    /** Puts the image in the registry and nowhere else, then forgets what the proxy counted. */
    public void publish(Image image) {
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        containerd.pushOk(image.name());
        containerd.ctrOk("images", "rm", "--sync", image.name());
        proxy.reset();
    }

    /** The labelled pull: {@code ctr-remote image rpull} into our snapshotter. */
    public void rpull(Image image) {
        rpull(image.name());
    }

    /** The labelled pull of the image named {@code reference}. */
    public void rpull(String reference) {
        containerd.ctrRemoteOk("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, reference);
    }

    /**
     * The plain pull into our snapshotter: {@code ctr image pull}, which from containerd 2.0 goes
     * through the transfer service, whose unpacker labels each layer for a proxy snapshotter whose
     * exports ask for it; before 2.0 it passes no layer labels.
     */
    public void pull(String reference) {
        containerd.ctrOk("images", "pull", "--plain-http", "--snapshotter", SNAPSHOTTER, reference);
    }

    /** The same image pulled the ordinary way into containerd's built-in overlayfs snapshotter. */
    public void pullNormally(Image image) {
        pullNormally(image.name());
    }

    /** The image named {@code reference} pulled the ordinary way into containerd's overlayfs snapshotter. */
    public void pullNormally(String reference) {
        containerd.ctrOk("images", "pull", "--plain-http", "--snapshotter", "overlayfs", reference);
    }

    /** Runs {@code cmd} in a fresh container of {@code image} on {@code snapshotter}; returns its stdout. */
    public String run(String snapshotter, Image image, String... cmd) {
        return run(snapshotter, image.name(), cmd);
    }

    /** Runs {@code cmd} in a fresh container of the image named {@code reference}; returns its stdout. */
    public String run(String snapshotter, String reference, String... cmd) {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--snapshotter", snapshotter,
                "--fifo-dir", tmp.resolve("containerd/fifo").toString(),
                "--runc-root", tmp.resolve("containerd/runc").toString(), reference, "c" + ++containers));
        args.addAll(List.of(cmd));
        return containerd.ctrOk(args.toArray(String[]::new));
    }

    /** The container's whole tree as {@link #TREE_SCRIPT} prints it. */
    public String tree(String snapshotter, Image image) {
        return tree(snapshotter, image.name());
    }

    /** The tree of a container of the image named {@code reference}. */
    public String tree(String snapshotter, String reference) {
        return run(snapshotter, reference, "/bin/sh", "-c", TREE_SCRIPT);
    }

    /** Stops the daemon with SIGTERM and starts it again on the same root and configuration. */
    public void restartDaemon() throws IOException {
        assertThat(daemon.stop()).as("daemon exit code after SIGTERM\n%s", daemon.logText()).isZero();
        daemon.close();
        daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"),
                List.of("--config", config.toString()));
        containerd.awaitSnapshotterReconnected(Duration.ofSeconds(30));
    }

    public String diagnostics() {
        return "--- daemon snapshot directories: " + daemon.snapshotDirectories()
                + "\n--- proxy requests:\n" + String.join("\n", proxy.requests())
                + "\n--- daemon log ---\n" + daemon.logText();
    }

    @Override
    public void close() {
        try (CountingProxy p = proxy) {
            Teardown.stop(tmp, containerd, daemon, registry);
        }
    }

    public static OciImageBuilder.Layer layer() {
        return new OciImageBuilder.Layer();
    }
}
