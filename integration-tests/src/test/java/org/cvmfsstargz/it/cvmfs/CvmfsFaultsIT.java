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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
 * why in one warning per repository, and other RPCs keep answering meanwhile. The failing and
 * hanging repositories are a FUSE mount mirroring an {@code ingest}ed tree, with faults injected.
 */
@Timeout(180)
class CvmfsFaultsIT {
    private static final String FAULTY = "faulty.test";
    private static final Duration PROBE_DEADLINE = Duration.ofMillis(2_000);
    private static final Duration SCAN_DEADLINE = Duration.ofMillis(3_000);
    private static final String DEADLINES = "probe_timeout_ms = " + PROBE_DEADLINE.toMillis()
            + "\nscan_timeout_ms = " + SCAN_DEADLINE.toMillis() + "\n";
    private static final Pattern UNAVAILABLE = Pattern.compile("cvmfs repository unavailable, layers fall back"
            + " to pulling repository=(\\S+) reason=\"([^\"]*)\"");

    @TempDir
    Path tmp;

    private TestNode node;
    private FaultyFuse fuse;

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
        node = TestNode.start(tmp, DEADLINES, List.of("absent.test"));
        Image image = image(node.imageName("it/missing:1"));
        node.publish(image);

        node.rpull(image);

        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableWarnings()).as("one warning for %d layers", image.layerDigests().size())
                .singleElement().satisfies(w -> assertThat(w).startsWith("absent.test|")
                        .contains("does not exist").contains("cvmfs_config probe absent.test"));
    }

    @Test
    void aRepositoryAnsweringEioFallsBackToThePull() throws Exception {
        node = TestNode.start(tmp, DEADLINES, List.of(FAULTY));
        Image image = image(node.imageName("it/eio:1"));
        mountFaultyRepositoryWith(image);
        fuse.failWithEio(".layers");
        node.publish(image);

        node.rpull(image);

        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableWarnings()).singleElement().satisfies(w -> assertThat(w).startsWith(FAULTY + "|")
                .contains("Input/output error"));
    }

    @Test
    void aHangingRepositoryCostsOneDeadlineWhileOtherCallsKeepAnswering() throws Exception {
        node = TestNode.start(tmp, DEADLINES, List.of(FAULTY));
        Image image = image(node.imageName("it/hang:1"));
        mountFaultyRepositoryWith(image);
        fuse.hang(".layers");
        node.publish(image);
        node.daemon().list(); // connects this JVM's client now, so that only the daemon is timed below

        long started = System.nanoTime();
        CompletableFuture<Void> pull = CompletableFuture.runAsync(() -> node.rpull(image));
        awaitHungCall();
        long listStarted = System.nanoTime();
        int snapshots = node.daemon().list().size();
        long listMs = (System.nanoTime() - listStarted) / 1_000_000;
        pull.get();
        long pullMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(listMs).as("List answered while a Prepare waited on the hung repository (%d snapshots)",
                snapshots).isLessThan(1_000);
        assertThat(pullMs).as("the pull waited one deadline, not one per layer")
                .isLessThan(PROBE_DEADLINE.toMillis() * image.layerDigests().size());
        assertEveryLayerWasDownloaded(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/top.txt")).isEqualTo("top layer\n");
        assertThat(unavailableWarnings()).singleElement().satisfies(w -> assertThat(w).startsWith(FAULTY + "|")
                .contains("did not return within " + PROBE_DEADLINE.toMillis() + " ms"));
    }

    @Test
    void layersThatHangInsideTheirTreesCostOneScanDeadlineInAll() throws Exception {
        node = TestNode.start(tmp, DEADLINES, List.of(FAULTY));
        Image image = OciImageBuilder.image(node.imageName("it/hang-inside:1"))
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/middle.txt", "middle layer\n"))
                .layer(layer().file("etc/top.txt", "top layer\n"))
                .writeArchive(tmp.resolve("image.tar"));
        mountFaultyRepositoryWith(image);
        for (String digest : image.layerDigests().subList(1, 3)) {
            String hex = digest.substring("sha256:".length());
            fuse.hang(".layers/" + hex.substring(0, 2) + "/" + hex + "/layerfs/etc");
        }
        node.publish(image);

        long started = System.nanoTime();
        node.rpull(image);
        long pullMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(node.proxy().blobBytes(image.layerDigests().getFirst())).as("the base layer came from CVMFS")
                .isZero();
        for (String hung : image.layerDigests().subList(1, 3)) {
            assertThat(node.proxy().blobBytes(hung)).as("layer %s was pulled", hung).isPositive();
        }
        assertThat(pullMs).as("the second hung layer did not wait for its own deadline")
                .isLessThan(2 * SCAN_DEADLINE.toMillis());
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", "/etc/middle.txt", "/etc/top.txt"))
                .isEqualTo("middle layer\ntop layer\n");
        assertThat(unavailableWarnings()).singleElement().satisfies(w -> assertThat(w).startsWith(FAULTY + "|")
                .contains("did not return within " + SCAN_DEADLINE.toMillis() + " ms"));
    }

    /** The repository as a FUSE mirror of {@code image} ingested into a local directory. */
    private void mountFaultyRepositoryWith(Image image) throws Exception {
        Path backing = tmp.resolve("backing");
        TestNode.ingestInto(image, backing);
        fuse = FaultyFuse.mount(Files.createDirectories(node.cvmfs().resolve(FAULTY)), backing);
    }

    private void assertEveryLayerWasDownloaded(Image image) {
        for (String digest : image.layerDigests()) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of layer %s; requests:\n%s", digest,
                    String.join("\n", node.proxy().requests())).isPositive();
        }
    }

    private void awaitHungCall() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (fuse.hungCalls() == 0) {
            assertThat(System.nanoTime()).as("a call reached the hung path").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** The daemon's unavailable-repository warnings as {@code repository|reason}. */
    private List<String> unavailableWarnings() {
        Matcher m = UNAVAILABLE.matcher(node.daemon().logText());
        return m.results().map(r -> r.group(1) + "|" + r.group(2)).toList();
    }

    private Image image(String name) throws IOException {
        return OciImageBuilder.image(name)
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/top.txt", "top layer\n"))
                .writeArchive(tmp.resolve("image.tar"));
    }
}
