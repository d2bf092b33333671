package org.cvmfsstargz.cvmfs.whiteout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WhiteoutScanTest {
    @TempDir
    Path layerfs;

    private static void touch(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        Files.createFile(file);
    }

    @Test
    void collectsWhiteoutsOpaqueMarkersAndCatalogs() throws IOException {
        touch(layerfs.resolve(".cvmfscatalog"));
        touch(layerfs.resolve("etc/.wh.gone"));
        touch(layerfs.resolve("etc/keep"));
        touch(layerfs.resolve("data/.wh..wh..opq"));
        touch(layerfs.resolve("usr/lib/.cvmfscatalog"));
        AtomicLong progress = new AtomicLong();

        WhiteoutPlan plan = new WhiteoutScan(Duration.ofSeconds(5), 1000).scan(layerfs, progress::set);

        assertThat(plan.deleted()).containsExactly(Path.of("etc/gone"));
        assertThat(plan.opaque()).containsExactly(Path.of("data"));
        assertThat(plan.hidden()).containsExactly(Path.of(".cvmfscatalog"), Path.of("data/.wh..wh..opq"),
                Path.of("etc/.wh.gone"), Path.of("usr/lib/.cvmfscatalog"));
        assertThat(progress).hasValue(10);
    }

    @Test
    void recordsTheAttributesOfDirectoriesHoldingMarkers() throws IOException {
        Path tmp = Files.createDirectories(layerfs.resolve("tmp"));
        touch(tmp.resolve(".wh.junk"));
        Files.setAttribute(tmp, "unix:mode", 01777);

        WhiteoutPlan plan = new WhiteoutScan(Duration.ofSeconds(5), 1000).scan(layerfs, n -> {});

        assertThat(plan.directories()).containsOnlyKeys(Path.of(""), Path.of("tmp"));
        assertThat(plan.directories().get(Path.of("tmp")).mode()).isEqualTo(01777);
    }

    @Test
    void doesNotFollowSymbolicLinks() throws IOException {
        Path outside = Files.createTempDirectory("outside");
        try {
            touch(outside.resolve(".wh.secret"));
            Files.createSymbolicLink(layerfs.resolve("link"), outside);
            Files.createSymbolicLink(layerfs.resolve(".wh.dangling"), Path.of("/nonexistent"));

            WhiteoutPlan plan = new WhiteoutScan(Duration.ofSeconds(5), 1000).scan(layerfs, n -> {});

            assertThat(plan.deleted()).containsExactly(Path.of("dangling"));
        } finally {
            Files.delete(outside.resolve(".wh.secret"));
            Files.delete(outside);
        }
    }

    @Test
    void stopsPastTheMaximumNumberOfEntries() throws IOException {
        for (int i = 0; i < 20; i++) {
            touch(layerfs.resolve("f" + i));
        }
        assertThatThrownBy(() -> new WhiteoutScan(Duration.ofSeconds(5), 10).scan(layerfs, n -> {}))
                .isInstanceOf(ScanAbortedException.class)
                .hasMessageContaining("more than 10 entries");
    }

    @Test
    void aMissingLayerIsAnIoError() {
        assertThatThrownBy(() -> new WhiteoutScan(Duration.ofSeconds(5), 10)
                .scan(layerfs.resolve("absent"), n -> {}))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(ScanAbortedException.class);
    }

    @Test
    void aWalkThatStallsIsAbandonedAfterTheStallDeadline() throws IOException {
        for (int i = 0; i < 5; i++) {
            touch(layerfs.resolve("f" + i));
        }
        WhiteoutScan scan = new WhiteoutScan(Duration.ofMillis(200), 100);
        long start = System.nanoTime();
        // The progress listener runs on the walking thread after each entry: a slow one stands in for a slow tree.
        assertThatThrownBy(() -> scan.scan(layerfs, n -> {
            if (n == 3) {
                sleep(2_000);
            }
        })).isInstanceOf(ScanAbortedException.class).hasMessageContaining("no new entry for")
                .hasMessageContaining("limit 200 ms").hasMessageContaining("after 3 entries");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(1_000));
    }

    @Test
    void aSlowWalkThatKeepsFindingEntriesFinishesHoweverLongItTakes() throws IOException {
        for (int i = 0; i < 10; i++) {
            touch(layerfs.resolve("f" + i));
        }
        touch(layerfs.resolve("etc/.wh.gone"));
        WhiteoutScan scan = new WhiteoutScan(Duration.ofMillis(200), 100);
        long start = System.nanoTime();

        WhiteoutPlan plan = scan.scan(layerfs, n -> sleep(60));

        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("three times the stall deadline and more")
                .isGreaterThan(Duration.ofMillis(600));
        assertThat(plan.deleted()).containsExactly(Path.of("etc/gone"));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
