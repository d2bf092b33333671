package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's record of which source provides a snapshot is its own, not a label: a real
 * containerd's Update ({@code ctr snapshots label <key> k=}) erases the source label and every
 * label the eStargz source found the layer from, and still Remove unmounts the layer's FUSE mount,
 * and a restart mounts it again so that a new container reads its bytes.
 */
class ErasedSourceLabelsIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    /** The labels containerd passed with the layer and the daemon showed on the snapshot; all erased. */
    private static final List<String> ERASED = List.of(SOURCE_LABEL, "containerd.io/snapshot/remote",
            "containerd.io/snapshot/remote/stargz.digest", "containerd.io/snapshot/remote/stargz.reference",
            "containerd.io/snapshot/remote/stargz.layers", EstargzImage.TOC_DIGEST);

    @TempDir
    Path tmp;

    private TestNode node;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    private EstargzImage pullLazily() throws Exception {
        node = TestNode.start(tmp, "enabled = false\n", List.of());
        EstargzTestImage image = EstargzTestImage.write(tmp.resolve("image.tar"), "it/source:1");
        EstargzImage published = EstargzImages.publish(node.containerd(), node.proxy().hostPort(), image.image(),
                "it/erased", OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        node.rpull(published.esgzReference());
        assertThat(committed()).hasSize(published.layers().size())
                .allSatisfy(info -> assertThat(info.getLabelsMap()).containsEntry(SOURCE_LABEL, "estargz"));
        assertThat(fuseMounts()).as("FUSE mounts of the layers").hasSize(published.layers().size());
        return published;
    }

    /** Erases {@link #ERASED} from every committed snapshot through containerd, as a client may. */
    private void eraseLabels() {
        String listed = node.containerd().ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "ls");
        List<String> keys = listed.lines().skip(1).map(l -> l.split("\\s+"))
                .filter(f -> f.length >= 2 && f[f.length - 1].equals("Committed")).map(f -> f[0]).toList();
        assertThat(keys).isNotEmpty();
        for (String key : keys) {
            List<String> args = new ArrayList<>(List.of("snapshots", "--snapshotter", SNAPSHOTTER, "label", key));
            ERASED.forEach(label -> args.add(label + "="));
            node.containerd().ctrOk(args.toArray(String[]::new));
        }
        assertThat(committed()).as("what the daemon shows after the Update").hasSize(keys.size()).allSatisfy(info ->
                assertThat(info.getLabelsMap())
                        .as("the source, from the store's record, shown whatever the labels say")
                        .containsEntry(SOURCE_LABEL, "estargz")
                        .as("labels the Update erased").doesNotContainKeys(
                                "containerd.io/snapshot/remote/stargz.digest", EstargzImage.TOC_DIGEST));
    }

    @Test
    void removingAnImageWhoseSnapshotsLabelsWereErasedStillUnmountsItsLayers() throws Exception {
        EstargzImage image = pullLazily();
        eraseLabels();

        node.containerd().ctrOk("images", "rm", "--sync", image.esgzReference());

        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while ((!fuseMounts().isEmpty() || !committed().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(committed()).as("snapshots left after the image's removal").isEmpty();
        assertThat(fuseMounts()).as("FUSE mounts left after the snapshots' removal").isEmpty();
    }

    @Test
    void aRestartRestoresLayersWhoseLabelsWereErasedAndANewContainerReadsTheirBytes() throws Exception {
        EstargzImage image = pullLazily();
        eraseLabels();

        node.restartDaemon();

        String big = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/sh", "-c",
                "sha256sum " + EstargzTestImage.BIG + " | cut -d' ' -f1");
        assertThat("sha256:" + big.strip()).isEqualTo(EstargzTestImage.write(tmp.resolve("again.tar"), "x:1")
                .fileDigests().get(EstargzTestImage.BIG));
        assertThat(fuseMounts()).as("FUSE mounts of the restored layers").hasSize(image.layers().size());
        assertThat(committed()).allSatisfy(info -> assertThat(info.getLabelsMap())
                .containsEntry(SOURCE_LABEL, "estargz"));
    }

    private List<Info> committed() {
        return node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED).toList();
    }

    /** The daemon's FUSE mount points, from this mount namespace's table (the daemon shares it). */
    private List<String> fuseMounts() throws Exception {
        String root = node.daemon().root().toAbsolutePath().toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .map(line -> line.split(" - ", 2))
                .filter(halves -> halves.length == 2 && halves[1].startsWith("fuse.estargz "))
                .map(halves -> halves[0].split(" ")[4])
                .filter(mountPoint -> mountPoint.startsWith(root + "/"))
                .toList();
    }
}
