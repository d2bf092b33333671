package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eStargz layers end to end: an image built here ({@link EstargzTestImage}: thousands of files, a
 * file of many chunks, hard links, symbolic links, xattrs, a whiteout, an opaque directory),
 * converted by Debian's {@code ctr-remote} and pushed to a real registry behind a counting proxy,
 * pulled into our snapshotter by a real containerd, and run with runc. Every layer must be a
 * remote snapshot mounted through FUSE, no layer blob may be fetched whole, and the container must
 * see exactly what a normal pull of the unconverted image shows.
 */
class EstargzEndToEndIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    private static final String ESTARGZ = "estargz";
    private static final String NO_CVMFS = "enabled = false\n";

    @TempDir
    Path tmp;

    private TestNode node;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    private EstargzImage publish(String repository) throws Exception {
        EstargzTestImage image = EstargzTestImage.write(tmp.resolve("image.tar"), "it/source:1");
        EstargzImage published = EstargzImages.publish(node.containerd(), node.proxy().hostPort(), image.image(),
                repository, OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        node.proxy().reset();
        return published;
    }

    @Test
    void rpullMountsEveryLayerLazilyAndReadingOneSmallFileFetchesLittleOfTheImage() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/lazy");

        node.rpull(image.esgzReference());

        assertThat(remoteSources()).as("source of each committed snapshot").hasSize(image.layers().size())
                .containsOnly(ESTARGZ);
        assertPulledLazily(image);
        long imageBytes = image.layers().stream().mapToLong(l -> l.estargz().size()).sum();

        String hello = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/cat", EstargzTestImage.HELLO);

        assertThat(hello).isEqualTo(EstargzTestImage.HELLO_CONTENT);
        EstargzImage.ConvertedLayer files = image.layers().get(1); // thousands of files, /data/hello.txt among them
        long servedOfFiles = node.proxy().blobBytes(files.estargz().digest().value());
        long served = node.proxy().totalBlobBytes();
        System.out.printf("pull and cat of one file: %,d of %,d image bytes (%.1f %%); %,d of the %,d-byte layer"
                + " holding the file (its TOC and the file's chunk)%n", served, imageBytes, 100.0 * served / imageBytes,
                servedOfFiles, files.estargz().size());
        assertThat(servedOfFiles).as("bytes of the layer holding the file").isLessThan(files.estargz().size() / 20);
        // cat itself is busybox, the whole base layer's content; the rest is TOCs and one small chunk.
        assertThat(served).as("all blob bytes served for pull and run").isLessThan(imageBytes / 6);
        assertThat(node.daemon().logText()).contains("source=estargz");
    }

    @Test
    void theContainerSeesTheSameTreeAsAfterANormalPullOfTheUnconvertedImage() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/tree");
        node.rpull(image.esgzReference());
        String lazy = node.tree(SNAPSHOTTER, image.esgzReference());
        node.pullNormally(image.plainReference());
        String normal = node.tree("overlayfs", image.plainReference());

        assertThat(lazy).isEqualTo(normal);
        assertThat(lazy).contains(EstargzTestImage.BIG + "|regular file").contains(EstargzTestImage.HELLO_HARDLINK)
                .doesNotContain(EstargzTestImage.WHITED_OUT + "|").doesNotContain(".prefetch.landmark");
        Path fromFuse = findInSnapshots(node.daemon().root(), EstargzTestImage.XATTR_FILE);
        Path fromOverlay = findInSnapshots(tmp.resolve("containerd/root/io.containerd.snapshotter.v1.overlayfs"),
                EstargzTestImage.XATTR_FILE);
        assertThat(xattr(fromFuse, EstargzTestImage.XATTR_NAME)).isEqualTo(EstargzTestImage.XATTR_VALUE.getBytes())
                .isEqualTo(xattr(fromOverlay, EstargzTestImage.XATTR_NAME));
        assertThat(xattr(fromFuse, EstargzTestImage.BINARY_XATTR_NAME)).isEqualTo(EstargzTestImage.binaryXattrValue());
    }

    @Test
    void theKubernetesPathPullsThroughCriLazily() throws Exception {
        node = TestNode.startWithCri(tmp, List.of());
        EstargzImage image = publish("it/cri");

        try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
            cri.pull(image.esgzReference());
        }
        assertPulledLazily(image);

        assertThat(remoteSources()).hasSize(image.layers().size()).containsOnly(ESTARGZ);
        assertThat(node.daemon().list()).filteredOn(i -> i.getKind() == Kind.COMMITTED).allSatisfy(info ->
                assertThat(info.getLabelsMap()).containsKey("containerd.io/snapshot/cri.layer-digest")
                        .containsKey(EstargzImage.TOC_DIGEST));
        assertThat(node.containerd().runAndRemoveIn(CriImageClient.NAMESPACE, image.esgzReference(), "cri-run",
                "/bin/cat", EstargzTestImage.HELLO)).isEqualTo(EstargzTestImage.HELLO_CONTENT);
    }

    @Test
    void afterARestartTheLayersAreMountedAgainAndNewContainersRun() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/restart");
        node.rpull(image.esgzReference());
        ContainerdProcess.BackgroundCtr running = node.containerd().startCtr("run", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", tmp.resolve("containerd/fifo").toString(), "--runc-root",
                tmp.resolve("containerd/runc").toString(), image.esgzReference(), "long-running",
                "/bin/sh", "-c", "cat " + EstargzTestImage.HELLO + "; sleep 600");
        awaitOutput(running, EstargzTestImage.HELLO_CONTENT);

        node.restartDaemon();

        assertThat(node.daemon().logText()).contains("restored eStargz layer");
        String big = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/sh", "-c",
                "sha256sum " + EstargzTestImage.BIG + " | cut -d' ' -f1");
        assertThat("sha256:" + big.strip()).isEqualTo(EstargzTestImage.write(tmp.resolve("again.tar"), "x:1")
                .fileDigests().get(EstargzTestImage.BIG));
        node.containerd().ctrOk("tasks", "kill", "--signal", "SIGKILL", "long-running");
        running.await(Duration.ofSeconds(30));
        node.containerd().ctrOk("containers", "rm", "long-running");
    }

    /**
     * No layer was fetched whole: the pull read each layer's tail (footer and TOC) only. A layer
     * smaller than the tail the reader fetches first ({@code TocFetcher}, 64 KiB) is its own TOC.
     */
    private void assertPulledLazily(EstargzImage image) {
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            long size = layer.estargz().size();
            assertThat(node.proxy().blobBytes(layer.estargz().digest().value()))
                    .as("bytes of layer %s served by the pull (of %s); requests:\n%s", layer.estargz().digest(), size,
                            String.join("\n", node.proxy().requests()))
                    .isLessThanOrEqualTo(size < (128 << 10) ? size : size / 2);
        }
    }

    private static void awaitOutput(ContainerdProcess.BackgroundCtr ctr, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(ctr.out()).contains(expected)) {
            if (!ctr.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the container did not print " + expected + ": "
                        + Files.readString(ctr.out()) + Files.readString(ctr.err()));
            }
            Thread.sleep(100);
        }
    }

    private List<String> remoteSources() {
        return node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                .map(i -> i.getLabelsOrDefault(SOURCE_LABEL, "")).toList();
    }

    /** The copy of {@code path} in whichever snapshot under {@code snapshotterRoot} has it. */
    private static Path findInSnapshots(Path snapshotterRoot, String path) throws Exception {
        try (Stream<Path> snapshots = Files.list(snapshotterRoot.resolve("snapshots"))) {
            return snapshots.map(s -> s.resolve("fs").resolve(path.substring(1))).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new AssertionError(path + " is in no snapshot under " + snapshotterRoot));
        }
    }

    private static byte[] xattr(Path file, String name) throws Exception {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        String unprefixed = name.substring("user.".length());
        ByteBuffer buffer = ByteBuffer.allocate(view.size(unprefixed));
        view.read(unprefixed, buffer);
        return buffer.array();
    }
}
