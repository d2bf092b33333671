package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.CRC32C;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.whiteout.DirAttributes;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.Test;

/**
 * Where a layer's whiteout plan comes from (disk, the repository's index, a walk), and that one
 * read per layer serves everyone: Prepares of the same layer, later Prepares after a wait gave up,
 * and the read-ahead a Prepare's labels start.
 */
class LayerPlansTest extends CvmfsSourceFixture {    @Test
    void aLayersPlanComesFromDiskAfterARestartWithoutAnotherWalk() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        Files.createDirectories(layerfs.resolve("etc"));
        Files.createFile(layerfs.resolve("etc/.wh.gone"));
        cache = DiskPlanCache.open(tmp.resolve("root/cvmfs/whiteouts"), 100);
        assertThat(source("repo.example").claim(criRequest(""))).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).hasValue(1);

        cache = DiskPlanCache.open(tmp.resolve("root/cvmfs/whiteouts"), 100); // a new daemon: nothing in memory
        LayerClaim again = source("repo.example").claim(criRequest("", otherSnapshotDir()));

        assertThat(again).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).as("the plan came from disk").hasValue(1);
        assertThat(isWhiteout(otherSnapshotDir().resolve("dn/etc/gone"))).isTrue();
        assertThat(isWhiteout(otherSnapshotDir().resolve("up/.cvmfscatalog"))).isTrue();
    }

    @Test
    void aLayerWhoseRepositoryPublishesAValidIndexIsNotWalkedAndItsPlanIsKeptOnDisk() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        FileTime time = FileTime.fromMillis(1_500_000_000_000L);
        WhiteoutPlan indexed = WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog"), Path.of("opt/.wh.old")), Map.of(
                Path.of(""), new DirAttributes(0755, 0, 0, time), Path.of("opt"), new DirAttributes(0711, 3, 4, time)));
        writeIndex(WhiteoutIndex.encode(LayerDigest.parse(DIGEST), indexed).orElseThrow());
        cache = DiskPlanCache.open(tmp.resolve("whiteouts"), 100);

        assertThat(source("repo.example").claim(criRequest(""))).isInstanceOf(LayerClaim.Remote.class);

        assertThat(walks).hasValue(0);
        assertThat(isWhiteout(snapshotDir.resolve("dn/opt/old"))).as("the index's deletion, not the tree's").isTrue();
        assertThat(Files.getAttribute(snapshotDir.resolve("up/opt"), "unix:mode")).isEqualTo(040711);
        assertThat(cache.get(LayerDigest.parse(DIGEST))).isEqualTo(new DiskPlanCache.Lookup.Hit(indexed));
        assertThat(layerfs.resolve(".cvmfscatalog")).exists();
    }

    @Test
    void anInvalidIndexIsIgnoredAndTheLayerWalked() throws Exception {
        Path layerfs = publish("repo.example", HEX);
        Files.createDirectories(layerfs.resolve("etc"));
        Files.createFile(layerfs.resolve("etc/.wh.gone"));
        String escaping = "cvmfs-stargz-whiteouts 1\nlayer " + DIGEST + "\ndir 755 0 0 0 0 .\nmarker ../../../.wh.x\n";
        CRC32C crc = new CRC32C();
        crc.update(escaping.getBytes(StandardCharsets.US_ASCII));
        for (String index : List.of(escaping + String.format("end crc32c:%08x\n", crc.getValue()),
                "cvmfs-stargz-whiteouts 1\nlayer " + DIGEST + "\n", "garbage")) {
            writeIndex(index.getBytes(StandardCharsets.US_ASCII));
            Path dir = Files.createDirectories(tmp.resolve("snapshots").resolve("s" + walks.get()).resolve("fs"))
                    .getParent();

            assertThat(source("repo.example").claim(criRequest("", dir))).isInstanceOf(LayerClaim.Remote.class);

            assertThat(isWhiteout(dir.resolve("dn/etc/gone"))).as("the walk's plan").isTrue();
            assertThat(Files.exists(tmp.resolve(".wh.x"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        }
        assertThat(walks).hasValue(3);
    }

    @Test
    void twoPreparesOfOneLayerShareOneWalk() throws Exception {
        publish("repo.example", HEX);
        CountDownLatch walking = new CountDownLatch(1);
        PlanLoader.Walker counted = walker;
        walker = (layerfs, progress) -> {
            walking.countDown();
            awaitQuietly(unblock);
            return counted.walk(layerfs, progress);
        };
        CvmfsLayerSource source = source("repo.example");

        CompletableFuture<LayerClaim> first = CompletableFuture.supplyAsync(() -> claimQuietly(source, snapshotDir));
        walking.await();
        Path other = otherSnapshotDir();
        CompletableFuture<LayerClaim> second = CompletableFuture.supplyAsync(() -> claimQuietly(source, other));
        Thread.sleep(200);
        unblock.countDown();

        assertThat(first.get()).isInstanceOf(LayerClaim.Remote.class);
        assertThat(second.get()).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).hasValue(1);
    }

    @Test
    void aWalkThatOutlivesThePreparesWaitIsKeptForTheNextPrepare() throws Exception {
        publish("repo.example", HEX);
        wait = Duration.ofMillis(200);
        cache = DiskPlanCache.open(tmp.resolve("whiteouts"), 100);
        PlanLoader.Walker counted = walker;
        walker = (layerfs, progress) -> {
            for (int i = 1; i <= 12; i++) { // slow but progressing: 600 ms, an entry every 50 ms
                sleepQuietly(50);
                progress.accept(i);
            }
            return counted.walk(layerfs, progress);
        };
        CvmfsLayerSource source = source("repo.example");

        assertThat(source.claim(criRequest(""))).isInstanceOfSatisfying(LayerClaim.NotMine.class, n -> {
            assertThat(n.code()).isEqualTo(DeclineReason.SCAN_INCOMPLETE);
            assertThat(n.reason()).contains("still progressing");
        });
        awaitFile(tmp.resolve("whiteouts").resolve(HEX));

        assertThat(source.claim(criRequest("", otherSnapshotDir()))).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).hasValue(1);
    }

    @Test
    void theLayersThePrepareLabelsNameAreReadAheadInTheBackground() throws Exception {
        List<String> hexes = List.of(HEX, "cd".repeat(32), "ef".repeat(32));
        for (String hex : hexes) {
            publish("repo.example", hex);
        }
        CvmfsLayerSource source = source("repo.example");
        String layers = String.join(",", hexes.stream().map(h -> "sha256:" + h).toList());

        source.claim(request("", Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST, RemoteLabels.CRI_IMAGE_LAYERS, layers)));
        awaitCount(walks, 3);
        LayerClaim next = source.claim(new LayerRequest("sha256:c2", "extract-2", "sha256:chain",
                Map.of(RemoteLabels.STARGZ_DIGEST, "sha256:" + hexes.get(1)), otherSnapshotDir()));

        assertThat(next).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).as("the second layer's plan was ready").hasValue(3);
    }

    @Test
    void aFailedReadAheadLeavesTheLayerToItsPrepare() throws Exception {
        String nextHex = "cd".repeat(32);
        publish("repo.example", HEX);
        publish("repo.example", nextHex);
        PlanLoader.Walker counted = walker;
        AtomicBoolean failed = new AtomicBoolean();
        walker = (layerfs, progress) -> {
            if (layerfs.toString().contains(nextHex) && failed.compareAndSet(false, true)) {
                walks.incrementAndGet();
                throw new IOException("EIO in the read-ahead");
            }
            return counted.walk(layerfs, progress);
        };
        CvmfsLayerSource source = source("repo.example");

        source.claim(request("", Map.of(RemoteLabels.CRI_LAYER_DIGEST, DIGEST,
                RemoteLabels.STARGZ_LAYERS, DIGEST + ",sha256:" + nextHex + ",sha256:not-a-digest")));
        awaitCount(walks, 2);
        Thread.sleep(100); // the failed load leaves the layer's one load after failing
        LayerClaim next = source.claim(new LayerRequest("sha256:c2", "extract-2", "sha256:chain",
                Map.of(RemoteLabels.CRI_LAYER_DIGEST, "sha256:" + nextHex), otherSnapshotDir()));

        assertThat(next).isInstanceOf(LayerClaim.Remote.class);
        assertThat(walks).hasValue(3);
        assertThat(source.unavailableCounts()).isEmpty();
    }
}
