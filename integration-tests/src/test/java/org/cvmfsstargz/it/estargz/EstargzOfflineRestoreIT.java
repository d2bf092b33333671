package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node that restarts while its registry is unreachable (a reboot before the network is up, a
 * registry briefly away): the daemon mounts its eStargz layers again from the TOCs it keeps in
 * its cache directory, without a request, so new containers of a pulled image start and read what
 * is cached; what is not cached fails with EIO until the registry is back, then reads correctly.
 * A layer whose TOC was not kept cannot be mounted while the registry is away, and is retried
 * until it is back, without the image being removed and pulled again.
 *
 * <p>The registry is made unreachable by the proxy in front of it refusing every connection.
 */
class EstargzOfflineRestoreIT {
    private static final String CONFIG = "enabled = false\n"
            // An uncached read fails within seconds while the registry is away, not the default minute.
            + "[registry]\nretry_deadline_ms = 3000\nconnect_timeout_ms = 1000\n";
    /** A file of the image no test reads before the registry goes away: its chunk is not cached. */
    private static final String UNCACHED = EstargzTestImage.ONE_CHUNK;

    @TempDir
    Path tmp;

    private TestNode node;
    private int containers;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void withTheRegistryUnreachableARestartMountsTheLayersFromTheirKeptTocsAndNewContainersReadCachedFiles()
            throws Exception {
        node = TestNode.start(tmp, CONFIG, List.of());
        EstargzTestImage content = EstargzTestImage.write(tmp.resolve("image.tar"), "it/source:1");
        EstargzImage image = publish(content);
        node.rpull(image.esgzReference());
        ContainerdProcess.BackgroundCtr running = startLongRunning(image);
        assertThat(sha256(image, EstargzTestImage.BIG)).isEqualTo(content.fileDigests().get(EstargzTestImage.BIG));

        node.proxy().faults().refuseConnections(true);
        node.restartDaemon();

        assertThat(run(image, "/bin/cat", EstargzTestImage.HELLO)).as("a new container, a cached file")
                .isEqualTo(EstargzTestImage.HELLO_CONTENT);
        assertThat(sha256(image, EstargzTestImage.BIG)).as("a cached file of ten chunks")
                .isEqualTo(content.fileDigests().get(EstargzTestImage.BIG));
        ContainerdProcess.CtrResult uncached = tryRun(image, "/bin/sh", "-c", "sha256sum " + UNCACHED);
        assertThat(uncached.exitCode()).as("an uncached file while the registry is away: %s", uncached.describe())
                .isNotZero();
        assertThat(uncached.stdout() + uncached.stderr()).contains("Input/output error");

        node.proxy().faults().refuseConnections(false);

        assertThat(sha256(image, UNCACHED)).as("the same file once the registry is back")
                .isEqualTo(content.fileDigests().get(UNCACHED));
        assertThat(keptTocs()).as("a TOC kept per layer").hasSize(image.layers().size());
        stop(running);
    }

    @Test
    void aLayerWhoseTocWasNotKeptIsRetriedUntilTheRegistryIsBackWithoutPullingTheImageAgain() throws Exception {
        node = TestNode.start(tmp, CONFIG, List.of());
        EstargzTestImage content = EstargzTestImage.write(tmp.resolve("image.tar"), "it/source:1");
        EstargzImage image = publish(content);
        node.rpull(image.esgzReference());
        assertThat(run(image, "/bin/cat", EstargzTestImage.HELLO)).isEqualTo(EstargzTestImage.HELLO_CONTENT);
        // As after an upgrade from a version that kept no TOC: the top layer's must come from the registry.
        String top = image.layers().getLast().estargz().digest().value();
        Files.deleteIfExists(node.daemon().root().resolve("cache/tocs").resolve(top.substring("sha256:".length())));

        node.proxy().faults().refuseConnections(true);
        node.restartDaemon();

        ContainerdProcess.CtrResult offline = tryRun(image, "/bin/cat", EstargzTestImage.HELLO);
        assertThat(offline.exitCode()).as("a container on a layer not mounted: %s", offline.describe()).isNotZero();

        node.proxy().faults().refuseConnections(false);

        assertThat(run(image, "/bin/cat", EstargzTestImage.TOP)).as("the top layer, mounted by a retry")
                .isEqualTo(EstargzTestImage.TOP_CONTENT);
        assertThat(run(image, "/bin/cat", EstargzTestImage.HELLO)).isEqualTo(EstargzTestImage.HELLO_CONTENT);
        assertThat(keptTocs()).as("the retried layer's TOC is kept again").hasSize(image.layers().size());
    }

    private EstargzImage publish(EstargzTestImage content) throws Exception {
        EstargzImage published = EstargzImages.publish(node.containerd(), node.proxy().hostPort(), content.image(),
                "it/offline", OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        node.proxy().reset();
        return published;
    }

    private List<Path> keptTocs() throws Exception {
        Path dir = node.daemon().root().resolve("cache/tocs");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.toList();
        }
    }

    /** A container that stays up across the restart: its layers are the running snapshots. */
    private ContainerdProcess.BackgroundCtr startLongRunning(EstargzImage image) throws Exception {
        ContainerdProcess.BackgroundCtr running = node.containerd().startCtr("run", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", tmp.resolve("containerd/fifo").toString(), "--runc-root",
                tmp.resolve("containerd/runc").toString(), image.esgzReference(), "long-running",
                "/bin/sh", "-c", "cat " + EstargzTestImage.HELLO + "; sleep 600");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(running.out()).contains(EstargzTestImage.HELLO_CONTENT)) {
            if (!running.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the container did not start: " + Files.readString(running.err()));
            }
            Thread.sleep(100);
        }
        return running;
    }

    private void stop(ContainerdProcess.BackgroundCtr running) {
        node.containerd().ctrOk("tasks", "kill", "--signal", "SIGKILL", "long-running");
        running.await(Duration.ofSeconds(30));
        node.containerd().ctrOk("containers", "rm", "long-running");
    }

    private String sha256(EstargzImage image, String path) {
        return "sha256:" + run(image, "/bin/sh", "-c", "sha256sum " + path + " | cut -d' ' -f1").strip();
    }

    private String run(EstargzImage image, String... cmd) {
        ContainerdProcess.CtrResult result = tryRun(image, cmd);
        assertThat(result.exitCode()).as("%s\n%s", result.describe(), node.diagnostics()).isZero();
        return result.stdout();
    }

    /** {@code ctr run --rm} of a new container; whatever its outcome. */
    private ContainerdProcess.CtrResult tryRun(EstargzImage image, String... cmd) {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", tmp.resolve("containerd/fifo").toString(),
                "--runc-root", tmp.resolve("containerd/runc").toString(), image.esgzReference(),
                "offline-" + ++containers));
        args.addAll(List.of(cmd));
        return node.containerd().ctr(Duration.ofSeconds(120), args);
    }
}
