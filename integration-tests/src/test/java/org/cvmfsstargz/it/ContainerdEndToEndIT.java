package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon as containerd 1.6's proxy snapshotter, driven only through {@code ctr}: import, pull
 * from a real registry, run containers with runc on the overlay mounts the daemon returns, and let
 * containerd's garbage collector remove everything again. Each test gets its own daemon and
 * containerd under a fresh temporary directory.
 */
@Timeout(90)
class ContainerdEndToEndIT {
    /** Prints what each layer contributed, in an order the assertions spell out line by line. */
    static final String OVERLAY_SCRIPT = String.join("; ",
            "cat /etc/layer1.txt /etc/layer2.txt /etc/replaced.txt",
            "if test -e /etc/gone.txt; then echo gone-present; else echo gone-absent; fi",
            "ls /data",
            "if test -e /data/sub; then echo lower-visible; else echo lower-hidden; fi",
            "echo written-in-container > /etc/new.txt && cat /etc/new.txt",
            "echo links=$(stat -c %h /bin/busybox) tmp=$(stat -c %a /tmp)");
    static final String OVERLAY_OUTPUT = """
            from layer 1
            from layer 2
            new
            gone-absent
            upper.txt
            lower-hidden
            written-in-container
            links=2 tmp=1777
            """;
    private static final Duration GC_DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private DaemonProcess daemon;
    private ContainerdProcess containerd;
    private RegistryProcess registry;

    @BeforeEach
    void startDaemonAndContainerd() throws IOException {
        daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"));
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), daemon.socket());
        containerd.alsoReportOnFailure(() -> "--- daemon snapshot directories: " + daemon.snapshotDirectories()
                + "\n--- daemon log ---\n" + daemon.logText());
    }

    @AfterEach
    void stopEverything() {
        Teardown.stop(tmp, containerd, daemon, registry);
    }

    @Test
    void anImportedImageRunsWithEachLayersFilesWhiteoutsAndOpaqueDirectories() throws IOException {
        Image image = overlayImage("localhost/it/overlay:1").writeArchive(tmp.resolve("overlay.tar"));

        containerd.ctrOk("images", "import", "--snapshotter", SNAPSHOTTER, image.archive().toString());
        String output = containerd.runAndRemove(image.name(), "overlay-check", "/bin/sh", "-c", OVERLAY_SCRIPT);

        assertThat(output).as(containerd.diagnostics()).isEqualTo(OVERLAY_OUTPUT);
    }

    @Test
    void anImagePushedToTheRegistryCanBeRemovedPulledBackAndRun() throws IOException {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        byte[] blob = Layer.randomBytes(42, 3 << 20);
        Image image = OciImageBuilder.image(registry.hostPort() + "/it/pushed:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("data/blob.bin", blob, 0644).file("etc/motd", "pulled back\n"))
                .writeArchive(tmp.resolve("pushed.tar"));
        containerd.ctrOk("images", "import", "--snapshotter", SNAPSHOTTER, image.archive().toString());
        containerd.pushOk(image.name());
        containerd.ctrOk("images", "rm", "--sync", image.name());
        assertThat(containerd.ctrOk("images", "ls", "-q")).doesNotContain(image.name());

        containerd.ctrOk("images", "pull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.name());
        String output = containerd.runAndRemove(image.name(), "pulled", "/bin/sh", "-c",
                "cat /etc/motd; sha256sum /data/blob.bin");

        String hex = OciImageBuilder.sha256(blob).substring("sha256:".length());
        assertThat(output).as(containerd.diagnostics()).isEqualTo("pulled back\n" + hex + "  /data/blob.bin\n");
    }

    @Test
    void removingContainersAndImagesLetsGarbageCollectionEmptyTheSnapshotter() throws IOException {
        Image image = overlayImage("localhost/it/collected:1").writeArchive(tmp.resolve("collected.tar"));
        containerd.ctrOk("images", "import", "--snapshotter", SNAPSHOTTER, image.archive().toString());
        containerd.run(image.name(), "kept", "/bin/sh", "-c", "echo scratch > /tmp/scratch");

        // containerd shows its own keys: chainIDs for the layers, the container id for its rootfs.
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < image.chainIds().size(); i++) {
            expected.add(row(image.chainIds().get(i), i == 0 ? "" : image.chainIds().get(i - 1), "Committed"));
        }
        expected.add(row("kept", image.chainIds().getLast(), "Active"));
        assertThat(snapshotRows()).as(containerd.diagnostics()).containsExactlyInAnyOrderElementsOf(expected);
        List<Info> listed = daemon.list();
        assertThat(listed).as(containerd.diagnostics()).hasSize(expected.size());
        assertThat(listed.stream().filter(i -> i.getKind() == Kind.COMMITTED)).hasSize(image.chainIds().size());
        assertThat(daemon.snapshotDirectories()).as("one directory per snapshot under %s", daemon.root())
                .hasSize(listed.size());

        containerd.ctrOk("containers", "rm", "kept");
        containerd.ctrOk("images", "rm", "--sync", image.name());

        // GC removes backend snapshots asynchronously: Remove per snapshot, children first, then Cleanup.
        awaitTrue(() -> daemon.list().isEmpty() && daemon.snapshotDirectories().isEmpty(),
                () -> "snapshots still listed: " + daemon.list() + "\ndirectories: " + daemon.snapshotDirectories());
        assertThat(containerd.ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "ls").lines().skip(1)).isEmpty();
    }

    /** Busybox, then a layer of files, then one that replaces, deletes and hides some of them. */
    static OciImageBuilder overlayImage(String name) throws IOException {
        return OciImageBuilder.image(name)
                .layer(Layer.busyboxBase())
                .layer(new Layer()
                        .file("etc/layer1.txt", "from layer 1\n")
                        .file("etc/replaced.txt", "old\n")
                        .file("etc/gone.txt", "deleted by layer 2\n")
                        .file("data/lower.txt", "hidden by the opaque directory\n")
                        .file("data/sub/deep.txt", "hidden too\n"))
                .layer(new Layer()
                        .file("etc/layer2.txt", "from layer 2\n")
                        .file("etc/replaced.txt", "new\n")
                        .whiteout("etc/gone.txt")
                        .opaque("data")
                        .file("data/upper.txt", "the only file left in /data\n"))
                .cmd("/bin/sh", "-c", OVERLAY_SCRIPT);
    }

    /** {@code ctr snapshots ls} rows as "key|parent|kind"; tabwriter leaves an empty parent as blanks. */
    private List<String> snapshotRows() {
        return containerd.ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "ls").lines().skip(1)
                .map(line -> line.trim().split("\\s+"))
                .map(cols -> cols.length == 2 ? row(cols[0], "", cols[1]) : row(cols[0], cols[1], cols[2]))
                .toList();
    }

    private static String row(String key, String parent, String kind) {
        return key + "|" + parent + "|" + kind;
    }

    private void awaitTrue(BooleanSupplier condition, Supplier<String> state) {
        Instant deadline = Instant.now().plus(GC_DEADLINE);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + GC_DEADLINE + ": " + state.get() + containerd.diagnostics());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
