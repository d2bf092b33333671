package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.TestNode.layer;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.cvmfsstargz.it.support.MetricsEndpoint;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.fuse.FaultyFuse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A repository that is missing, fails with EIO or hangs must cost a pull at most the configured
 * deadline: every layer falls back to the ordinary download, the container runs, the daemon says
 * why in one warning per repository, and other RPCs keep answering meanwhile. A layer whose own
 * tree hangs or crawls costs that layer alone: its repository stays available, and a walk that
 * ends after its Prepare gave up serves the next pull. The failing and hanging repositories are a
 * FUSE mount mirroring an {@code ingest}ed tree, with faults injected.
 */
@Timeout(180)
class CvmfsFaultsIT {
    private static final String FAULTY = "faulty.test";
    private static final Duration PROBE_DEADLINE = Duration.ofMillis(2_000);
    private static final Duration STALL_DEADLINE = Duration.ofMillis(3_000);
    private static final String DEADLINES = "probe_timeout_ms = " + PROBE_DEADLINE.toMillis()
            + "\nscan_stall_timeout_ms = " + STALL_DEADLINE.toMillis() + "\n";

    @TempDir
    Path tmp;

    private TestNode node;
    private FaultyFuse fuse;
    private int metricsPort;

    @AfterEach
    void stopEverything() throws IOException {
        try {
            if (fuse != null) {
                fuse.close(); // first: releases anything hung in it, so the rest can stop
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aMissingRepositoryDirectoryFallsBackToThePull() throws Exception {
        node = TestNode.start(tmp, DEADLINES + metrics(), List.of("absent.test"));
        Image image = image(node.imageName("it/missing:1"));
        node.publish(image);

        node.rpull(image);

        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableCount("absent.test")).as("each of the %d layers counted", image.layerDigests().size())
                .isEqualTo(image.layerDigests().size());
    }

    @Test
    void aRepositoryAnsweringEioFallsBackToThePull() throws Exception {
        node = TestNode.start(tmp, DEADLINES + metrics(), List.of(FAULTY));
        Image image = image(node.imageName("it/eio:1"));
        mountFaultyRepositoryWith(image);
        fuse.failWithEio(".layers");
        node.publish(image);

        node.rpull(image);

        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableCount(FAULTY)).isEqualTo(image.layerDigests().size());
    }

    @Test
    void aHangingRepositoryCostsOneDeadlineWhileOtherCallsKeepAnswering() throws Exception {
        node = TestNode.start(tmp, DEADLINES + metrics(), List.of(FAULTY));
        Image image = manyLayers(node.imageName("it/hang:1"), 6);
        mountFaultyRepositoryWith(image);
        fuse.hang(".layers");
        node.publish(image);
        node.daemon().list(); // connects this JVM's client now

        long started = System.nanoTime();
        CompletableFuture<Void> pull = CompletableFuture.runAsync(() -> node.rpull(image));
        awaitHungCall();
        int snapshots = node.daemon().list().size();
        // Ordering, not time: the List was answered while the Prepare still waited on the hang.
        assertThat(pull).as("List answered (%d snapshots) while a Prepare waited on the hung repository",
                snapshots).isNotDone();
        assertThat(fuse.hungCalls()).as("the repository's call was still hung").isPositive();
        pull.get();
        long pullMs = (System.nanoTime() - started) / 1_000_000;

        // One deadline for all the layers, not one each: with this many layers, waiting per layer
        // would take several deadlines more than the bound, which leaves a loaded machine that margin.
        assertThat(pullMs).as("the pull waited one deadline, not one per layer")
                .isLessThan(PROBE_DEADLINE.toMillis() * image.layerDigests().size());
        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableCount(FAULTY)).isEqualTo(image.layerDigests().size());
    }

    @Test
    void layersThatHangInsideTheirTreesCostOneStallDeadlineInAllAndLeaveTheirRepositoryAvailable() throws Exception {
        node = TestNode.start(tmp, DEADLINES + metrics(), List.of(FAULTY));
        Image image = OciImageBuilder.image(node.imageName("it/hang-inside:1"))
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/middle.txt", "middle layer\n"))
                .layer(layer().file("etc/top.txt", "top layer\n"))
                .writeArchive(tmp.resolve("image.tar"));
        mountFaultyRepositoryWith(image);
        removeWhiteoutIndexes(image); // as DUCC publishes: the daemon has to walk
        for (String digest : image.layerDigests().subList(1, 3)) {
            fuse.hang(layerfs(digest) + "/etc");
        }
        node.publish(image);

        CompletableFuture<Void> pull = CompletableFuture.runAsync(() -> node.rpull(image));
        awaitHungCalls(2);
        // Ordering, not time: both hung layers' walks were in their trees at once, before either
        // layer was given up and downloaded, so the two cost one stall deadline, not one each.
        long pulledWhenBothHung = node.proxy().blobBytes(image.layerDigests().get(1))
                + node.proxy().blobBytes(image.layerDigests().get(2));
        pull.get();

        assertThat(pulledWhenBothHung).as("both walks started before either hung layer was given up").isZero();
        assertThat(node.proxy().blobBytes(image.layerDigests().getFirst())).as("the base layer came from CVMFS")
                .isZero();
        for (String hung : image.layerDigests().subList(1, 3)) {
            assertThat(node.proxy().blobBytes(hung)).as("layer %s was pulled", hung).isPositive();
        }
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", "cat /etc/middle.txt /etc/top.txt"))
                .isEqualTo("middle layer\ntop layer\n");
        assertThat(unavailableCount(FAULTY)).as("a layer's tree is not its repository").isZero();

        Image other = OciImageBuilder.image(node.imageName("it/after-the-hang:1"))
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/other.txt", "other layer\n"))
                .writeArchive(tmp.resolve("other.tar"));
        TestNode.ingestInto(other, tmp.resolve("backing")); // the mirror shows what is added to its backing
        node.publish(other);
        node.rpull(other);
        assertThat(node.proxy().blobBytes(other.layerDigests().getLast()))
                .as("another layer of the same repository comes from CVMFS").isZero();
    }

    @Test
    void aWalkThatOutlastsThePreparesWaitIsKeptAndServesTheNextPull() throws Exception {
        node = TestNode.start(tmp, "probe_timeout_ms = 2000\nscan_timeout_ms = 2000\n" + metrics(), List.of(FAULTY));
        Image image = OciImageBuilder.image(node.imageName("it/slow-walk:1"))
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/top.txt", "top layer\n").file("slow/1.txt", "slow\n"))
                .writeArchive(tmp.resolve("image.tar"));
        mountFaultyRepositoryWith(image);
        removeWhiteoutIndexes(image);
        String top = image.layerDigests().getLast();
        fuse.hang(layerfs(top) + "/slow");
        node.publish(image);

        CompletableFuture<Void> pull = CompletableFuture.runAsync(() -> node.rpull(image));
        awaitHungCall();
        Thread.sleep(3_000); // past the Prepare's wait: the top layer is pulled meanwhile
        fuse.release(); // the walk goes on (far from its stall deadline) and ends
        pull.get();
        assertThat(node.proxy().blobBytes(top)).as("the top layer's Prepare gave up waiting").isPositive();
        Path plan = node.daemon().root().resolve("cvmfs/whiteouts").resolve(top.substring("sha256:".length()));
        awaitFile(plan);

        node.containerd().ctrOk("images", "rm", "--sync", image.name());
        node.proxy().reset();
        fuse.failWithEio(layerfs(top) + "/slow"); // from now on a walk of the top layer fails
        node.rpull(image);

        assertThat(node.proxy().blobBytes(top)).as("the kept plan served the top layer").isZero();
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
    }

    /** The repository as a FUSE mirror of {@code image} ingested into a local directory. */
    private void mountFaultyRepositoryWith(Image image) throws Exception {
        Path backing = tmp.resolve("backing");
        TestNode.ingestInto(image, backing);
        fuse = FaultyFuse.mount(Files.createDirectories(node.cvmfs().resolve(FAULTY)), backing);
    }

    private static String layerfs(String digest) {
        String hex = digest.substring("sha256:".length());
        return ".layers/" + hex.substring(0, 2) + "/" + hex + "/layerfs";
    }

    /** Removes the whiteout indexes {@code ingest} wrote, so that the daemon walks the layers. */
    private void removeWhiteoutIndexes(Image image) throws IOException {
        for (String digest : image.layerDigests()) {
            String hex = digest.substring("sha256:".length());
            Files.delete(tmp.resolve("backing/.layers").resolve(hex.substring(0, 2)).resolve(hex)
                    .resolve(".metadata/whiteouts"));
        }
    }

    private static void awaitFile(Path file) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!Files.exists(file)) {
            assertThat(System.nanoTime()).as("%s appeared", file).isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    private void assertEveryLayerWasDownloaded(Image image) {
        for (String digest : image.layerDigests()) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of layer %s; requests:\n%s", digest,
                    String.join("\n", node.proxy().requests())).isPositive();
        }
    }

    private void awaitHungCall() throws InterruptedException {
        awaitHungCalls(1);
    }

    private void awaitHungCalls(int calls) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (fuse.hungCalls() < calls) {
            assertThat(System.nanoTime()).as("%d calls reached the hung paths", calls).isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    /** Configuration text serving this test's daemon's metrics, the test's oracle, on a free port. */
    private String metrics() throws IOException {
        metricsPort = MetricsEndpoint.freePort();
        return MetricsEndpoint.config(metricsPort);
    }

    /** How many times the daemon counted {@code repository} unavailable for a layer. */
    private long unavailableCount(String repository) throws Exception {
        return (long) MetricsEndpoint.value(metricsPort,
                "cvmfs_stargz_cvmfs_repository_unavailable_total{repository=\"" + repository + "\"}");
    }

    /** A base layer and {@code top - 1} more above it, the last with {@code /etc/top.txt}. */
    private Image manyLayers(String name, int layers) throws IOException {
        OciImageBuilder builder = OciImageBuilder.image(name).layer(Layer.busyboxBase());
        for (int i = 1; i < layers - 1; i++) {
            builder.layer(layer().file("etc/layer" + i + ".txt", "layer " + i + "\n"));
        }
        return builder.layer(layer().file("etc/top.txt", "top layer\n")).writeArchive(tmp.resolve("image.tar"));
    }

    private Image image(String name) throws IOException {
        return OciImageBuilder.image(name)
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/top.txt", "top layer\n"))
                .writeArchive(tmp.resolve("image.tar"));
    }
}
