package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the CVMFS source's tests share: a directory standing in for {@code /cvmfs}, a snapshot
 * directory as the core makes it, and a source built from the fields below, which a test may
 * change before calling {@link #source}. Walks are counted, so a test can tell a walked plan from
 * one found otherwise.
 */
abstract class CvmfsSourceFixture {
    static final String HEX = "ab".repeat(32);
    static final String DIGEST = "sha256:" + HEX;

    @TempDir
    Path tmp;

    Path cvmfs;
    Path snapshotDir;
    final CountDownLatch unblock = new CountDownLatch(1);
    /** Walks of layer trees, counted: the tests' way to tell a walk from a plan found otherwise. */
    final AtomicInteger walks = new AtomicInteger();
    PlanLoader.Walker walker = (layerfs, progress) -> {
        walks.incrementAndGet();
        return new WhiteoutScan(Duration.ofSeconds(5), 10_000).walk(layerfs, progress);
    };
    DiskPlanCache cache = DiskPlanCache.none();
    Duration wait = Duration.ofSeconds(5);
    Duration stall = Duration.ofSeconds(5);

    @BeforeEach
    void snapshotDirectoryAsTheCoreMakesIt() throws IOException {
        cvmfs = Files.createDirectories(tmp.resolve("cvmfs"));
        snapshotDir = Files.createDirectories(tmp.resolve("snapshots/7"));
        Files.createDirectory(snapshotDir.resolve("fs"));
        Files.createDirectory(snapshotDir.resolve("work"));
    }

    @AfterEach
    void releaseBlockedCalls() {
        unblock.countDown();
    }

    Path publish(String repository, String digestHex) throws IOException {
        Path layerfs = Files.createDirectories(cvmfs.resolve(repository).resolve(".layers")
                .resolve(digestHex.substring(0, 2)).resolve(digestHex).resolve("layerfs"));
        Files.createFile(layerfs.resolve(".cvmfscatalog"));
        return layerfs;
    }

    CvmfsLayerSource source(DeadlineCalls calls, RepositoryProbe.AttributeReader reader,
            String... repositories) {
        LayerPlans plans = new LayerPlans(new PlanLoader(cache, calls.quiet(), walker), wait, stall);
        return new CvmfsLayerSource(List.of(repositories).stream().map(r -> new Repository(cvmfs, r)).toList(), calls,
                reader, plans, Duration.ofMinutes(5));
    }

    CvmfsLayerSource source(String... repositories) {
        return source(new DeadlineCalls(Duration.ofSeconds(5)),
                path -> Files.readAttributes(path, BasicFileAttributes.class), repositories);
    }

    LayerRequest request(String parent, Map<String, String> labels) {
        return new LayerRequest("sha256:chain", "extract-1", parent, labels, snapshotDir);
    }

    LayerRequest criRequest(String parent) {
        return request(parent, Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST));
    }

    Path otherSnapshotDir() throws IOException {
        Path dir = tmp.resolve("snapshots/8");
        if (!Files.exists(dir)) {
            Files.createDirectories(dir.resolve("fs"));
            Files.createDirectories(dir.resolve("work"));
        }
        return dir;
    }

    LayerRequest criRequest(String parent, Path dir) {
        return new LayerRequest("sha256:chain", "extract-" + dir.getFileName(), parent,
                Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST), dir);
    }

    LayerClaim claimQuietly(CvmfsLayerSource source, Path dir) {
        try {
            return source.claim(criRequest("", dir));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    void writeIndex(byte[] content) throws IOException {
        Path metadata = Files.createDirectories(cvmfs.resolve("repo.example/.layers").resolve(HEX.substring(0, 2))
                .resolve(HEX).resolve(".metadata"));
        Files.write(metadata.resolve(WhiteoutIndex.FILE_NAME), content);
    }

    static void awaitCount(AtomicInteger count, int expected) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (count.get() < expected && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(count).hasValue(expected);
    }

    static void awaitFile(Path file) throws InterruptedException {
        long until = System.nanoTime() + 5_000_000_000L;
        while (!Files.exists(file) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(file).exists();
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    void assertUntouched() throws IOException {
        assertThat(Files.isDirectory(snapshotDir.resolve("fs"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        try (var entries = Files.list(snapshotDir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("fs", "work");
        }
    }

    static boolean isWhiteout(Path path) throws IOException {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                && Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()
                && ((Number) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue() == 0;
    }
}
