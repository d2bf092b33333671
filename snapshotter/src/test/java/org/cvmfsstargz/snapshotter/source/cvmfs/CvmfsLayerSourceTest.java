package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.Test;

class CvmfsLayerSourceTest extends CvmfsSourceFixture {    @Test
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
        AtomicInteger hungReads = new AtomicInteger();
        RepositoryProbe.AttributeReader reader = path -> {
            if (path.startsWith(hung.root())) {
                hungReads.incrementAndGet();
                try {
                    unblock.await();
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException();
                }
            }
            return Files.readAttributes(path, BasicFileAttributes.class);
        };
        // A deadline far above a claim's own few milliseconds, so that "waited for it again" and
        // "did not" stay apart on a loaded machine.
        CvmfsLayerSource source = source(new DeadlineCalls(Duration.ofSeconds(2)), reader, "hung.example",
                "good.example");

        long started = System.nanoTime();
        LayerClaim first = source.claim(criRequest(""));
        long firstMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(first).isInstanceOf(LayerClaim.Remote.class);
        assertThat(Files.readSymbolicLink(snapshotDir.resolve("fs"))).isEqualTo(layerfs);
        assertThat(firstMs).as("waited one deadline, not for ever").isBetween(1_900L, 20_000L);

        Path other = Files.createDirectories(tmp.resolve("snapshots/8/fs")).getParent();
        started = System.nanoTime();
        source.claim(new LayerRequest("sha256:c2", "extract-2", "", Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST),
                other));
        assertThat((System.nanoTime() - started) / 1_000_000).as("a known hang is not waited for again")
                .isLessThan(1_500L);
        assertThat(hungReads).as("nor asked again").hasValue(1);
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

    @Test
    void aLayerWhoseWalkStallsIsPulledWithoutMakingItsRepositoryUnavailable() throws Exception {
        publish("repo.example", HEX);
        String otherHex = "cd".repeat(32);
        publish("repo.example", otherHex);
        stall = Duration.ofSeconds(2); // far above a claim's own few milliseconds, as above
        walker = (layerfs, progress) -> {
            walks.incrementAndGet();
            if (layerfs.toString().contains(HEX)) {
                awaitQuietly(unblock); // a tree that hangs
            }
            return new WhiteoutScan(stall, 100).walk(layerfs, progress);
        };
        DeadlineCalls calls = new DeadlineCalls(Duration.ofSeconds(5));
        CvmfsLayerSource source = source(calls, path -> Files.readAttributes(path, BasicFileAttributes.class),
                "repo.example");

        long started = System.nanoTime();
        LayerClaim stalled = source.claim(criRequest(""));
        long stalledMs = (System.nanoTime() - started) / 1_000_000;
        started = System.nanoTime();
        LayerClaim again = source.claim(criRequest("", otherSnapshotDir()));
        long againMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(stalled).isInstanceOfSatisfying(LayerClaim.NotMine.class, n -> {
            assertThat(n.code()).isEqualTo(DeclineReason.SCAN_INCOMPLETE);
            assertThat(n.reason()).contains("no new entry for");
        });
        assertThat(stalledMs).as("gave up at the stall deadline").isBetween(1_900L, 20_000L);
        assertThat(again).isInstanceOf(LayerClaim.NotMine.class);
        assertThat(againMs).as("a walk known to stall is not waited for again").isLessThan(1_500L);
        assertThat(walks).as("and not started again").hasValue(1);
        assertUntouched();
        assertThat(source.unavailableCounts()).isEmpty();
        assertThat(calls.isHung(new Repository(cvmfs, "repo.example"))).isFalse();
        Path third = Files.createDirectories(tmp.resolve("snapshots/9/fs")).getParent();
        assertThat(source.claim(new LayerRequest("sha256:c3", "extract-3", "",
                Map.of(RemoteLabels.CRI_LAYER_DIGEST, "sha256:" + otherHex), third)))
                .as("another layer of the same repository").isInstanceOf(LayerClaim.Remote.class);
    }
}
