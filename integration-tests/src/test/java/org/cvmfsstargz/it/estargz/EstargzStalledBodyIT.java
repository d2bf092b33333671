package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.BIG;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.HELLO;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.HELLO_CONTENT;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.ProxyFaults;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.it.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry (or CDN) that sends a range's headers and half its body, then nothing, while a
 * container reads a lazily mounted eStargz file: the daemon's body idle deadline closes the
 * stalled connection, the read is sent again within {@code retry_deadline_ms}, and if every
 * attempt stalls the container gets EIO, not a hang. Either way the mount stays usable: once the
 * registry behaves, the same file reads back with the image's bytes. Bounds are loose (several
 * times the configured deadlines), so a loaded machine does not fail them.
 */
class EstargzStalledBodyIT {
    private static final String REPOSITORY = "it/stalls";
    private static final Duration IDLE = Duration.ofMillis(1500);
    private static final Duration BODY = Duration.ofSeconds(5);
    private static final Duration RETRY_DEADLINE = Duration.ofSeconds(8);
    /**
     * One FUSE read's worst case is a retry deadline plus one body deadline. The kernel asks again
     * for pages its readahead failed to get, so cat sees EIO after two or three such reads (25 s,
     * 12 stalled answers, measured here); this allows five.
     */
    private static final Duration LOOSE = RETRY_DEADLINE.plus(BODY).multipliedBy(5);

    @TempDir
    static Path published;

    private static EstargzTestImage testImage;

    @TempDir
    Path tmp;

    private TestNode node;
    private String reference;

    @BeforeAll
    static void convertAndPushOnce() throws Exception {
        testImage = EstargzTestImage.write(published.resolve("image.tar"), "it/source:1");
        RegistryProcess registry = RegistryProcess.start(published.resolve("registry"));
        ContainerdProcess containerd = null;
        try {
            containerd = ContainerdProcess.start(published.resolve("containerd"), published.resolve("none.sock"));
            EstargzImages.publish(containerd, registry, testImage.image(), REPOSITORY,
                    OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        } finally {
            Teardown.stop(published, containerd, null, registry);
        }
    }

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void aRangeThatStallsOnceIsReadAgainAndTheContainerGetsTheRightBytes() throws Exception {
        startAndWarmUp();

        faults().stallRangedReads(1);
        long started = System.nanoTime();
        String out = node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "sha256sum " + BIG);
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        System.out.printf("EstargzStalledBodyIT: one stalled range (idle deadline %d ms): sha256sum of %s took %d ms%n",
                IDLE.toMillis(), BIG, took.toMillis());
        assertThat(out).isEqualTo(hex(BIG) + "  " + BIG + "\n");
        assertThat(faults().applied(ProxyFaults.Kind.STALLED)).isEqualTo(1);
        awaitEveryStalledAnswerClosedByTheDaemon();
        assertThat(took).as("a read that waited one idle deadline, then was sent again").isLessThan(LOOSE)
                .isGreaterThanOrEqualTo(IDLE);
    }

    @Test
    void aRegistryThatStallsEveryRangeGivesTheContainerEioInTimeAndTheMountStaysUsable() throws Exception {
        startAndWarmUp();

        faults().stallRangedReads(Integer.MAX_VALUE);
        long started = System.nanoTime();
        String out = node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "cat " + BIG + " 2>&1 >/dev/null; echo rc=$?");
        Duration took = Duration.ofNanos(System.nanoTime() - started);

        System.out.printf("EstargzStalledBodyIT: every range stalled (idle %d ms, retry deadline %d ms): EIO after %d ms,"
                + " %d stalled answers%n", IDLE.toMillis(), RETRY_DEADLINE.toMillis(), took.toMillis(),
                faults().applied(ProxyFaults.Kind.STALLED));
        assertThat(out).isEqualTo("cat: read error: Input/output error\nrc=1\n");
        assertThat(took).as("EIO within the retry deadline and one body deadline, with margin").isLessThan(LOOSE);
        assertThat(faults().applied(ProxyFaults.Kind.STALLED)).as("each attempt stalled").isGreaterThanOrEqualTo(2);
        awaitEveryStalledAnswerClosedByTheDaemon();
        faults().clear();
        assertThat(node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "sha256sum " + BIG + " && cat " + HELLO))
                .isEqualTo(hex(BIG) + "  " + BIG + "\n" + HELLO_CONTENT);
    }

    /**
     * Starts a node whose registry holds the image and whose daemon has short body deadlines,
     * pulls the image lazily and runs a container once, so that busybox (the shell and cat of
     * every later container) is cached and only the file under test is fetched afterwards.
     */
    private void startAndWarmUp() throws Exception {
        Path data = published.resolve("registry/data");
        try (Stream<Path> files = Files.walk(data)) {
            for (Path from : (Iterable<Path>) files::iterator) {
                Path to = tmp.resolve("registry/data").resolve(data.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.createLink(to, from); // the registry never rewrites a stored file
                }
            }
        }
        node = TestNode.start(tmp, "enabled = false\n\n[registry]\nretry_deadline_ms = " + RETRY_DEADLINE.toMillis()
                + "\nrequest_timeout_ms = 5000\nbody_idle_timeout_ms = " + IDLE.toMillis() + "\nbody_timeout_ms = "
                + BODY.toMillis() + "\n", List.of());
        node.containerd().awaitSnapshotterReconnected(Duration.ofSeconds(30)); // see EstargzFaultsIT.start
        reference = node.imageName(REPOSITORY + ":" + EstargzImages.ESGZ_TAG);
        node.rpull(reference);
        assertThat(node.run(SNAPSHOTTER, reference, "/bin/cat", HELLO)).isEqualTo(HELLO_CONTENT);
    }

    private ProxyFaults faults() {
        return node.proxy().faults();
    }

    /** Every stalled answer ends because the daemon closed its connection, not because the proxy let it go. */
    private void awaitEveryStalledAnswerClosedByTheDaemon() throws InterruptedException {
        long until = System.nanoTime() + LOOSE.toNanos();
        while (faults().applied(ProxyFaults.Kind.STALL_ABANDONED) < faults().applied(ProxyFaults.Kind.STALLED)
                && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        assertThat(faults().applied(ProxyFaults.Kind.STALL_ABANDONED)).as("stalled answers the daemon closed")
                .isEqualTo(faults().applied(ProxyFaults.Kind.STALLED));
    }

    private static String hex(String path) {
        return testImage.fileDigests().get(path).substring("sha256:".length());
    }
}
