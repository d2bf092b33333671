package org.cvmfsstargz.cvmfs.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RepositoryProbeTest {
    private static final Duration DEADLINE = Duration.ofMillis(200);
    private static final LayerDigest DIGEST = LayerDigest.parse(
            "sha256:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13");

    @TempDir
    Path mountpoint;

    private final RepositoryProbe probe = new RepositoryProbe(Duration.ofSeconds(5));

    private Repository repository() throws IOException {
        Repository repository = new Repository(mountpoint, "unpacked.cern.ch");
        Files.createDirectories(repository.root());
        return repository;
    }

    @Test
    void aPublishedLayerAnswersItsDirectory() throws IOException {
        Repository repository = repository();
        Files.createDirectories(repository.layerDir(DIGEST));
        assertThat(probe.probe(repository, DIGEST))
                .isEqualTo(new ProbeResult.Published(repository.layerDir(DIGEST)));
    }

    @Test
    void aMissingLayerInAHealthyRepositoryIsNotPublished() throws IOException {
        ProbeResult result = probe.probe(repository(), DIGEST);
        assertThat(result).isInstanceOf(ProbeResult.NotPublished.class);
        assertThat(((ProbeResult.NotPublished) result).reason()).contains(DIGEST.value());
    }

    @Test
    void aFileWhereLayerfsShouldBeIsNotPublished() throws IOException {
        Repository repository = repository();
        Files.createDirectories(repository.layerDir(DIGEST).getParent());
        Files.createFile(repository.layerDir(DIGEST));
        assertThat(probe.probe(repository, DIGEST)).isInstanceOf(ProbeResult.NotPublished.class);
    }

    @Test
    void aMissingRepositoryRootIsUnavailable() {
        Repository repository = new Repository(mountpoint, "absent.cern.ch");
        ProbeResult result = probe.probe(repository, DIGEST);
        assertThat(result).isInstanceOf(ProbeResult.Unavailable.class);
        assertThat(((ProbeResult.Unavailable) result).reason()).contains("does not exist");
        assertThat(probe.health(repository)).isInstanceOf(RepositoryHealth.Unavailable.class);
    }

    @Test
    void aFileWhereTheRootShouldBeIsUnavailable() throws IOException {
        Repository repository = new Repository(mountpoint, "file.cern.ch");
        Files.createFile(repository.root());
        assertThat(probe.probe(repository, DIGEST)).isInstanceOf(ProbeResult.Unavailable.class);
        assertThat(probe.health(repository)).isInstanceOf(RepositoryHealth.Unavailable.class);
    }

    @Test
    void anIoErrorIsUnavailableNotNotPublished() throws IOException {
        RepositoryProbe failing = new RepositoryProbe(new DeadlineCalls(DEADLINE), path -> {
            throw new FileSystemException(path.toString(), null, "Input/output error");
        });
        ProbeResult result = failing.probe(repository(), DIGEST);
        assertThat(result).isInstanceOf(ProbeResult.Unavailable.class);
        assertThat(((ProbeResult.Unavailable) result).reason()).contains("Input/output error");
    }

    @Test
    void aHealthyRootIsHealthy() throws IOException {
        assertThat(probe.health(repository())).isEqualTo(new RepositoryHealth.Healthy());
    }

    @Test
    void aHungCallAnswersAtTheDeadlineAndLaterProbesDoNotPileUp() throws Exception {
        Repository repository = repository();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        DeadlineCalls deadlineCalls = new DeadlineCalls(DEADLINE);
        RepositoryProbe hanging = new RepositoryProbe(deadlineCalls, path -> {
            calls.incrementAndGet();
            awaitQuietly(release);
            return Files.readAttributes(path, BasicFileAttributes.class);
        });
        try {
            long start = System.nanoTime();
            ProbeResult first = hanging.probe(repository, DIGEST);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(DEADLINE, DEADLINE.plusMillis(300));
            assertThat(first).isInstanceOf(ProbeResult.Unavailable.class);
            assertThat(((ProbeResult.Unavailable) first).reason()).contains("did not return within 200 ms");

            start = System.nanoTime();
            ProbeResult second = hanging.probe(repository, DIGEST);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(50));
            assertThat(((ProbeResult.Unavailable) second).reason()).contains("hung since");
            assertThat(hanging.health(repository)).isInstanceOf(RepositoryHealth.Unavailable.class);
            assertThat(calls).hasValue(1);
        } finally {
            release.countDown();
        }
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (deadlineCalls.isHung(repository) && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        assertThat(hanging.probe(repository, DIGEST)).isInstanceOf(ProbeResult.NotPublished.class);
    }

    @Test
    void aHangInOneRepositoryLeavesOthersAlone() throws Exception {
        Repository stuck = repository();
        Repository other = new Repository(mountpoint, "other.cern.ch");
        Files.createDirectories(other.layerDir(DIGEST));
        CountDownLatch release = new CountDownLatch(1);
        RepositoryProbe hanging = new RepositoryProbe(new DeadlineCalls(DEADLINE), path -> {
            if (path.startsWith(stuck.root())) {
                awaitQuietly(release);
            }
            return Files.readAttributes(path, BasicFileAttributes.class);
        });
        try {
            assertThat(hanging.probe(stuck, DIGEST)).isInstanceOf(ProbeResult.Unavailable.class);
            assertThat(hanging.probe(other, DIGEST)).isInstanceOf(ProbeResult.Published.class);
        } finally {
            release.countDown();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
