package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.TestNode.REPOSITORY;
import static org.cvmfsstargz.it.support.TestNode.layer;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.MetricsEndpoint;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.fuse.FaultyFuse;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;

/**
 * Images whose layers {@code ingest} published in a directory standing in for a CVMFS
 * repository, pulled with {@code ctr-remote image rpull} (which labels each layer's Prepare with
 * its digest) through real containerd, and run with runc. The registry sits behind a counting
 * proxy, so the tests can say which layer bytes were downloaded: none, for a layer on CVMFS.
 */
@Timeout(180)
class CvmfsEndToEndIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    /**
     * A directory in the image's upper layers that the containers below never look at: with it
     * failing (EIO), a walk of those layers' trees fails while containers run, which tells a
     * layer served without a walk from one that needed one.
     */
    private static final String UNREAD = "unread";

    /** What each layer of {@link #image} contributes, printed in an order the assertions spell out. */
    static final String LAYERS_SCRIPT = String.join("; ",
            "cat /etc/layer1.txt /etc/layer2.txt /etc/replaced.txt",
            "if test -e /etc/gone.txt; then echo gone-present; else echo gone-absent; fi",
            "ls -a /data",
            "if test -e /.cvmfscatalog; then echo catalog-visible; else echo catalog-hidden; fi",
            "stat -c '%a %u:%g' /srv/owned /srv/owned/secret",
            "readlink /etc/link; stat -c %h /etc/hard.txt",
            "echo written > /etc/new.txt && cat /etc/new.txt");
    static final String LAYERS_OUTPUT = """
            from layer 1
            from layer 2
            new
            gone-absent
            .
            ..
            upper.txt
            catalog-hidden
            750 1000:1000
            600 1000:1000
            layer1.txt
            2
            written
            """;

    @TempDir
    Path tmp;

    private TestNode node;
    private FaultyFuse fuse;

    @AfterEach
    void stopEverything() throws IOException {
        try {
            if (fuse != null) {
                fuse.close(); // first: the repository must not keep anything hung
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void anImageWithEveryLayerOnCvmfsRunsWithoutTheRegistryServingAnyLayerBytes() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/cvmfs:1"));
        node.ingest(image, REPOSITORY);
        node.publish(image);

        node.rpull(image);

        for (String digest : image.layerDigests()) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of layer %s served; requests:\n%s", digest,
                    String.join("\n", node.proxy().requests())).isZero();
        }
        assertThat(sources(node)).as("source of each layer's snapshot")
                .isEqualTo(image.chainIds().stream().collect(Collectors.toMap(c -> c, c -> "cvmfs")));
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
    }

    @Test
    void theKubernetesPathPullsThroughCriWithoutTheRegistryServingAnyLayerBytes() throws Exception {
        node = TestNode.startWithCri(tmp, List.of(REPOSITORY));
        Image image = image(node.imageName("it/cri:1"));
        node.ingest(image, REPOSITORY);
        node.publish(image);

        try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
            cri.pull(image.name());
        }

        for (String digest : image.layerDigests()) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of layer %s served; requests:\n%s", digest,
                    String.join("\n", node.proxy().requests())).isZero();
        }
        assertThat(sources(node)).as("source of each layer's snapshot")
                .isEqualTo(image.chainIds().stream().collect(Collectors.toMap(c -> c, c -> "cvmfs")));
        assertThat(node.daemon().list()).as("the CRI labels were the ones offered").allSatisfy(info ->
                assertThat(info.getLabelsMap()).containsKey("containerd.io/snapshot/cri.layer-digest")
                        .doesNotContainKey("containerd.io/snapshot/remote/stargz.digest"));
        assertThat(node.containerd().runAndRemoveIn(CriImageClient.NAMESPACE, image.name(), "cri-run",
                "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
    }

    @Test
    void theContainerSeesTheSameTreeAsAfterANormalPull() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/tree:1"));
        node.ingest(image, REPOSITORY);
        node.publish(image);
        node.rpull(image);
        String fromCvmfs = node.tree(SNAPSHOTTER, image);

        node.pullNormally(image);
        String pulled = node.tree("overlayfs", image);

        assertThat(fromCvmfs).isEqualTo(pulled);
        assertThat(fromCvmfs).as("the tree is not trivially empty").contains("/etc/layer2.txt|regular file|644|0:0|13|1")
                .contains("/srv/owned/secret|regular file|600|1000:1000").doesNotContain(".wh.")
                .doesNotContain(".cvmfscatalog").doesNotContain("/etc/gone.txt").doesNotContain("/data/lower.txt");
    }

    @Test
    void deletionsAndOpaqueDirectoriesBehaveAsAfterANormalPull() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/whiteouts:1"));
        node.ingest(image, REPOSITORY);
        Path upper = node.layerDir(REPOSITORY, image.layerDigests().getLast()).resolve("layerfs");
        assertThat(upper.resolve("etc/.wh.gone.txt")).as("DUCC keeps whiteouts as plain files").isRegularFile();
        assertThat(upper.resolve("data/.wh..wh..opq")).isRegularFile();
        node.publish(image);
        node.rpull(image);
        node.pullNormally(image);

        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT))
                .isEqualTo(node.run("overlayfs", image, "/bin/sh", "-c", LAYERS_SCRIPT))
                .isEqualTo(LAYERS_OUTPUT);
    }

    @Test
    void aMixedImageDownloadsOnlyTheLayerThatIsNotOnCvmfs() throws Exception {
        int metricsPort = MetricsEndpoint.freePort();
        node = TestNode.start(tmp, MetricsEndpoint.config(metricsPort), List.of(REPOSITORY));
        Image image = image(node.imageName("it/mixed:1"));
        node.ingest(image, REPOSITORY);
        String top = image.layerDigests().getLast();
        LocalTree.delete(node.layerDir(REPOSITORY, top));
        assertThat(Files.exists(node.layerDir(REPOSITORY, top), LinkOption.NOFOLLOW_LINKS)).isFalse();
        node.publish(image);

        node.rpull(image);

        List<String> base = image.layerDigests().subList(0, image.layerDigests().size() - 1);
        for (String digest : base) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of base layer %s", digest).isZero();
        }
        assertThat(node.proxy().blobBytes(top)).as("the top layer is downloaded whole")
                .isEqualTo(Files.size(blobOf(image, top)));
        Map<String, String> sources = sources(node);
        assertThat(sources).as("the top layer's snapshot is an ordinary one")
                .containsEntry(image.chainIds().get(0), "cvmfs").containsEntry(image.chainIds().get(1), "cvmfs")
                .containsEntry(image.chainIds().getLast(), "");
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
        assertThat(MetricsEndpoint.value(metricsPort,
                "cvmfs_stargz_layer_decisions_total{reason=\"not_published\",source=\"pull\"}"))
                .as("the top layer was pulled because no repository publishes it").isEqualTo(1);
    }

    @Test
    void cvmfsSnapshotsStillMountAfterTheDaemonRestarts() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/restart:1"));
        node.ingest(image, REPOSITORY);
        node.publish(image);
        node.rpull(image);

        node.restartDaemon();

        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
        assertThat(sources(node).values()).containsOnly("cvmfs");
    }

    @Test
    void anImageOf128LayersAllOnCvmfsMounts() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        OciImageBuilder builder = OciImageBuilder.image(node.imageName("it/tall:1")).layer(Layer.busyboxBase());
        for (int i = 1; i < 128; i++) {
            Layer layer = layer().file("layers/" + i + ".txt", "layer " + i + "\n");
            if (i > 1 && i % 10 == 0) {
                layer.whiteout("layers/" + (i - 1) + ".txt"); // a dn/ directory in some layers too
            }
            builder.layer(layer);
        }
        Image image = builder.writeArchive(tmp.resolve("tall.tar"));
        node.ingest(image, REPOSITORY);
        node.publish(image);

        node.rpull(image);

        assertThat(node.proxy().totalBlobBytes()).as("only the config blob: %s", node.proxy().requests())
                .isLessThan(64 * 1024);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c",
                "cat /layers/1.txt /layers/127.txt; ls /layers | wc -l; test -e /layers/9.txt || echo 9-deleted"))
                .isEqualTo("layer 1\nlayer 127\n115\n9-deleted\n");
    }

    @Test
    void theContainerSeesTheSameTreeAsAfterANormalPullWhenTheLayersAreWalked() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/tree-walked:1"));
        node.ingest(image, REPOSITORY);
        removeWhiteoutIndexes(node.cvmfs().resolve(REPOSITORY), image); // as DUCC publishes: no index
        node.publish(image);
        node.rpull(image);
        String fromCvmfs = node.tree(SNAPSHOTTER, image);

        node.pullNormally(image);

        assertThat(fromCvmfs).isEqualTo(node.tree("overlayfs", image)).doesNotContain(".wh.")
                .doesNotContain("/etc/gone.txt").doesNotContain("/data/lower.txt");
        assertThat(planFiles()).as("the walks' plans were kept on disk").hasSize(image.layerDigests().size());
    }

    @Test
    void afterARestartTheLayersPlansComeFromDiskWithoutWalkingTheirTrees() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/plans-on-disk:1"));
        mountRepository(image);
        removeWhiteoutIndexes(backing(), image);
        node.publish(image);
        node.rpull(image); // walks every layer: nothing fails yet
        assertThat(planFiles()).hasSize(image.layerDigests().size());
        forgetImage(image);
        node.restartDaemon();
        failWalksOfTheUpperLayers(image);

        node.rpull(image);

        assertServedFromCvmfs(image, image.layerDigests());
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);

        // The control: without its plan on disk, the top layer's walk meets the failing tree.
        forgetImage(image);
        node.restartDaemon();
        Files.delete(planFile(image.layerDigests().getLast()));
        node.rpull(image);
        assertServedFromCvmfs(image, image.layerDigests().subList(0, 2));
        assertThat(node.proxy().blobBytes(image.layerDigests().getLast())).as("the top layer was walked, and pulled")
                .isPositive();
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
    }

    @Test
    void layersIngestedWithTheirWhiteoutIndexAreServedWithoutWalkingTheirTrees() throws Exception {
        node = TestNode.start(tmp, "", List.of(REPOSITORY));
        Image image = image(node.imageName("it/indexed:1"));
        mountRepository(image);
        String top = image.layerDigests().getLast();
        Files.delete(indexFile(backing(), top)); // the control: this layer has to be walked
        failWalksOfTheUpperLayers(image);
        node.publish(image);

        node.rpull(image);

        assertServedFromCvmfs(image, image.layerDigests().subList(0, 2));
        assertThat(node.proxy().blobBytes(top)).as("the layer without an index was walked, and pulled").isPositive();
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", LAYERS_SCRIPT)).isEqualTo(LAYERS_OUTPUT);
        assertThat(planFiles()).as("indexed plans are kept on disk too")
                .containsExactlyInAnyOrderElementsOf(image.layerDigests().subList(0, 2).stream()
                        .map(d -> d.substring("sha256:".length())).toList());
    }

    /** The stand-in repository as a FUSE mirror of {@code image} ingested into {@link #backing()}. */
    private void mountRepository(Image image) throws Exception {
        TestNode.ingestInto(image, backing());
        fuse = FaultyFuse.mount(Files.createDirectories(node.cvmfs().resolve(REPOSITORY)), backing());
    }

    private Path backing() {
        return tmp.resolve("backing");
    }

    /** Every operation under {@link #UNREAD} in the layers above the base fails with EIO from now on. */
    private void failWalksOfTheUpperLayers(Image image) {
        for (String digest : image.layerDigests().subList(1, image.layerDigests().size())) {
            String hex = digest.substring("sha256:".length());
            fuse.failWithEio(".layers/" + hex.substring(0, 2) + "/" + hex + "/layerfs/" + UNREAD);
        }
    }

    private static Path indexFile(Path repository, String digest) {
        String hex = digest.substring("sha256:".length());
        return repository.resolve(".layers").resolve(hex.substring(0, 2)).resolve(hex).resolve(".metadata/whiteouts");
    }

    private static void removeWhiteoutIndexes(Path repository, Image image) throws IOException {
        for (String digest : image.layerDigests()) {
            Files.delete(indexFile(repository, digest));
        }
    }

    /** Removes the image and, through containerd's garbage collection, its snapshots. */
    private void forgetImage(Image image) {
        node.containerd().ctrOk("images", "rm", "--sync", image.name());
        assertThat(node.daemon().list()).as("no snapshot left").isEmpty();
        node.proxy().reset();
    }

    private Path planFile(String digest) {
        return node.daemon().root().resolve("cvmfs/whiteouts").resolve(digest.substring("sha256:".length()));
    }

    /** Names of the whiteout plans the daemon keeps on disk. */
    private List<String> planFiles() throws IOException {
        Path dir = node.daemon().root().resolve("cvmfs/whiteouts");
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).toList();
        }
    }

    private void assertServedFromCvmfs(Image image, List<String> digests) {
        for (String digest : digests) {
            assertThat(node.proxy().blobBytes(digest)).as("bytes of layer %s served; requests:\n%s", digest,
                    String.join("\n", node.proxy().requests())).isZero();
        }
        Map<String, String> sources = sources(node);
        for (int i = 0; i < digests.size(); i++) {
            assertThat(sources).containsEntry(image.chainIds().get(image.layerDigests().indexOf(digests.get(i))),
                    "cvmfs");
        }
    }

    /** Busybox; a layer of files with owners, modes and links; a layer that replaces, deletes and hides some. */
    private Image image(String name) throws IOException {
        return image(tmp, name);
    }

    /** The same, its archive written under {@code dir}. */
    static Image image(Path dir, String name) throws IOException {
        return OciImageBuilder.image(name)
                .layer(Layer.busyboxBase())
                .layer(layer()
                        .file("etc/layer1.txt", "from layer 1\n")
                        .file("etc/replaced.txt", "old\n")
                        .file("etc/gone.txt", "deleted by layer 2\n")
                        .symlink("etc/link", "layer1.txt")
                        .hardlink("etc/hard.txt", "etc/layer1.txt")
                        .dir("srv/owned", 0750, 1000, 1000)
                        .file("srv/owned/secret", "for uid 1000\n".getBytes(), 0600, 1000, 1000)
                        .file("data/lower.txt", "hidden by the opaque directory\n")
                        .file("data/sub/deep.txt", "hidden too\n")
                        .file(UNREAD + "/1.txt", "a tree containers never read\n"))
                .layer(layer()
                        .file("etc/layer2.txt", "from layer 2\n")
                        .file("etc/replaced.txt", "new\n")
                        .whiteout("etc/gone.txt")
                        .opaque("data")
                        .file("data/upper.txt", "the only file left in /data\n")
                        .file(UNREAD + "/2.txt", "a tree containers never read\n"))
                .writeArchive(dir.resolve(name.substring(name.lastIndexOf('/') + 1).replace(':', '-') + ".tar"));
    }

    /**
     * The source label of each committed snapshot by its chainID; "" for a snapshot no source
     * provided. containerd names those {@code <namespace>/<n>/<chainID>}, remote ones by the chainID.
     */
    static Map<String, String> sources(TestNode node) {
        return node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                .collect(Collectors.toMap(i -> i.getName().substring(i.getName().indexOf("sha256:")),
                        i -> i.getLabelsOrDefault(SOURCE_LABEL, "")));
    }

    /** The layer blob as the image archive holds it (an OCI layout tar: blobs/sha256/<hex>). */
    private Path blobOf(Image image, String digest) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("unpacked-archive"));
        Path blob = dir.resolve("blobs/sha256").resolve(digest.substring("sha256:".length()));
        if (!Files.exists(blob)) {
            Process tar = new ProcessBuilder("tar", "-xf", image.archive().toString(), "-C", dir.toString())
                    .inheritIO().start();
            try {
                assertThat(tar.waitFor()).isZero();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        return blob;
    }
}
