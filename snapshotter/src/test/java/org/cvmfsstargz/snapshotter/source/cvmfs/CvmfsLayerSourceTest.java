package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CvmfsLayerSourceTest {
    private static final String HEX = "ab".repeat(32);
    private static final String DIGEST = "sha256:" + HEX;

    @TempDir
    Path tmp;

    private Path cvmfs;
    private Path snapshotDir;
    private final CountDownLatch unblock = new CountDownLatch(1);

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

    private Path publish(String repository, String digestHex) throws IOException {
        Path layerfs = Files.createDirectories(cvmfs.resolve(repository).resolve(".layers")
                .resolve(digestHex.substring(0, 2)).resolve(digestHex).resolve("layerfs"));
        Files.createFile(layerfs.resolve(".cvmfscatalog"));
        return layerfs;
    }

    private CvmfsLayerSource source(DeadlineCalls calls, RepositoryProbe.AttributeReader reader,
            String... repositories) {
        return new CvmfsLayerSource(List.of(repositories).stream().map(r -> new Repository(cvmfs, r)).toList(), calls,
                new RepositoryProbe(calls, reader), new WhiteoutScan(Duration.ofSeconds(5), 10_000),
                Duration.ofMinutes(5), Clock.systemUTC());
    }

    private CvmfsLayerSource source(String... repositories) {
        return source(new DeadlineCalls(Duration.ofSeconds(5)),
                path -> Files.readAttributes(path, BasicFileAttributes.class), repositories);
    }

    private LayerRequest request(String parent, Map<String, String> labels) {
        return new LayerRequest("sha256:chain", "extract-1", parent, labels, snapshotDir);
    }

    private LayerRequest criRequest(String parent) {
        return request(parent, Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST));
    }

    @Test
    void aPublishedLayerBecomesALinkWithItsWhiteoutsTranslatedAroundIt() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        Files.createDirectories(layerfs.resolve("etc"));
        Files.createFile(layerfs.resolve("etc/.wh.gone"));
        Files.createDirectories(layerfs.resolve("data"));
        Files.createFile(layerfs.resolve("data/.wh..wh..opq"));
        CvmfsLayerSource source = source("repo.example");

        LayerClaim claim = source.claim(criRequest("sha256:parent"));

        assertThat(claim).isEqualTo(new LayerClaim.Remote("cvmfs", Map.of(
                CvmfsLayerSource.REPOSITORY_LABEL, "repo.example", CvmfsLayerSource.LAYER_DIR_LABEL, layerfs.toString())));
        assertThat(Files.readSymbolicLink(snapshotDir.resolve("fs"))).isEqualTo(layerfs);
        assertThat(isWhiteout(snapshotDir.resolve("up/.cvmfscatalog"))).isTrue();
        assertThat(isWhiteout(snapshotDir.resolve("up/etc/.wh.gone"))).isTrue();
        assertThat(isWhiteout(snapshotDir.resolve("dn/etc/gone"))).isTrue();
        assertThat(Files.isDirectory(snapshotDir.resolve("dn/data"))).isTrue();
        assertThat(layerfs.resolve("etc/.wh.gone")).as("the repository is only read").exists();
    }

    @Test
    void aFailureWhileTranslatingLeavesTheDirectoryAsTheCoreMadeItForThePull() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        Files.createFile(snapshotDir.resolve("up")); // a directory cannot be renamed onto it
        CvmfsLayerSource source = source("repo.example");

        assertThatThrownBy(() -> source.claim(criRequest("sha256:parent"))).isInstanceOf(IOException.class);

        assertUntouched();
        assertThat(layerfs.resolve(".cvmfscatalog")).as("the repository is only read").exists();
    }

    @Test
    void ctrRemoteDigestLabelIsUsedWithoutTheCriOne() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        LayerClaim claim = source("repo.example").claim(request("", Map.of(RemoteLabels.STARGZ_DIGEST, DIGEST)));
        assertThat(claim).isInstanceOf(LayerClaim.Remote.class);
        assertThat(Files.readSymbolicLink(snapshotDir.resolve("fs"))).isEqualTo(layerfs);
    }

    @Test
    void repositoriesAreAskedInOrderAndTheFirstThatPublishesProvides() throws Exception {
        Files.createDirectories(cvmfs.resolve("first.example"));
        Path layerfs = publish("second.example", HEX);
        CvmfsLayerSource source = source("first.example", "second.example");
        LayerClaim claim = source.claim(criRequest(""));
        assertThat(((LayerClaim.Remote) claim).labels()).containsEntry(CvmfsLayerSource.REPOSITORY_LABEL,
                "second.example");
        assertThat(Files.readSymbolicLink(snapshotDir.resolve("fs"))).isEqualTo(layerfs);
    }

    @Test
    void aLayerNoRepositoryPublishesIsLeftToThePullAndTheDirectoryUntouched() throws Exception {
        Files.createDirectories(cvmfs.resolve("repo.example"));
        CvmfsLayerSource source = source("repo.example");
        LayerClaim claim = source.claim(criRequest(""));
        assertThat(claim).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> {
                    assertThat(n.reason()).contains("not published").contains(DIGEST);
                    assertThat(n.code()).isEqualTo(DeclineReason.NOT_PUBLISHED);
                });
        assertUntouched();
        assertThat(source.unavailableCounts()).isEmpty();
    }

    @Test
    void anInvalidDigestIsRefusedBeforeAnyPathIsBuilt() throws Exception {
        CvmfsLayerSource source = source("repo.example");
        for (String bad : List.of("sha256:../../../etc/passwd", "sha256:" + "AB".repeat(32), "sha512:" + HEX, "")) {
            assertThat(source.claim(request("", Map.of(RemoteLabels.CRI_LAYER_DIGEST, bad))))
                    .isInstanceOfSatisfying(LayerClaim.NotMine.class,
                            n -> {
                                assertThat(n.reason()).contains("invalid layer digest");
                                assertThat(n.code()).isEqualTo(DeclineReason.INVALID_DIGEST);
                            });
        }
        assertThat(source.claim(request("", Map.of()))).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> {
                    assertThat(n.reason()).contains("no layer digest label");
                    assertThat(n.code()).isEqualTo(DeclineReason.NO_DIGEST);
                });
        assertUntouched();
    }

    @Test
    void aMissingRepositoryIsUnavailableAndCounted() throws Exception {
        CvmfsLayerSource source = source("absent.example");
        LayerClaim claim = source.claim(criRequest(""));
        assertThat(claim).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> {
                    assertThat(n.reason()).contains("absent.example unavailable").contains("does not exist");
                    assertThat(n.code()).isEqualTo(DeclineReason.UNAVAILABLE);
                });
        assertThat(source.claim(criRequest(""))).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> assertThat(n.code()).isEqualTo(DeclineReason.UNAVAILABLE));
        assertThat(source.unavailableCounts()).containsExactly(Map.entry("absent.example", 2L));
        assertUntouched();
    }

    @Test
    void aHungRepositoryCostsOneDeadlineThenAnswersAtOnceAndTheNextRepositoryIsStillAsked() throws Exception {
        Path layerfs = publish("good.example", HEX);
        Repository hung = new Repository(cvmfs, "hung.example");
        RepositoryProbe.AttributeReader reader = path -> {
            if (path.startsWith(hung.root())) {
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            return Files.readAttributes(path, BasicFileAttributes.class);
        };
        CvmfsLayerSource source = source(new DeadlineCalls(Duration.ofMillis(300)), reader, "hung.example",
                "good.example");

        long started = System.nanoTime();
        LayerClaim first = source.claim(criRequest(""));
        long firstMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(first).isInstanceOf(LayerClaim.Remote.class);
        assertThat(Files.readSymbolicLink(snapshotDir.resolve("fs"))).isEqualTo(layerfs);
        assertThat(firstMs).as("waited one deadline, not for ever").isBetween(250L, 5_000L);

        Path other = Files.createDirectories(tmp.resolve("snapshots/8/fs")).getParent();
        started = System.nanoTime();
        source.claim(new LayerRequest("sha256:c2", "extract-2", "", Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST),
                other));
        assertThat((System.nanoTime() - started) / 1_000_000).as("a known hang is not waited for again")
                .isLessThan(250L);
        assertThat(source.unavailableCounts()).containsEntry("hung.example", 2L);
    }

    @Test
    void aLayerWithAnOpaqueRootIsNotStackedOnParents() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        Files.createFile(layerfs.resolve(".wh..wh..opq"));
        CvmfsLayerSource source = source("repo.example");
        assertThat(source.claim(criRequest("sha256:parent"))).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> assertThat(n.reason()).contains("root directory opaque"));
        assertUntouched();
        assertThat(source.claim(criRequest(""))).as("as a base layer it is fine")
                .isInstanceOf(LayerClaim.Remote.class);
    }

    private void assertUntouched() throws IOException {
        assertThat(Files.isDirectory(snapshotDir.resolve("fs"), LinkOption.NOFOLLOW_LINKS)).isTrue();
        try (var entries = Files.list(snapshotDir)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("fs", "work");
        }
    }

    private static boolean isWhiteout(Path path) throws IOException {
        return Files.exists(path, LinkOption.NOFOLLOW_LINKS)
                && Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()
                && ((Number) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue() == 0;
    }
}
