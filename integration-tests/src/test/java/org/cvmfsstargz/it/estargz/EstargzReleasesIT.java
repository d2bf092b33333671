package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.cvmfsstargz.it.support.ContainerdRelease;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link EstargzEndToEndIT}'s pulls on the newer containerd releases: {@code ctr-remote image
 * rpull}, the CRI image service (2.x: {@code io.containerd.cri.v1.images}) and, from 2.0, a plain
 * {@code ctr image pull} through the transfer service, whose unpacker labels the layers because
 * the proxy plugin's exports ask for it. Each pull must mount every layer lazily, having read
 * only each layer's tail (footer and TOC), and the container must see what a normal pull of the
 * unconverted image shows at its whiteout, opaque directory and replaced file.
 */
@Timeout(240)
class EstargzReleasesIT {
    private static final String ESTARGZ = "estargz";
    private static final String NO_CVMFS = "enabled = false\n";
    /**
     * What the layers make of the paths a later layer deletes, hides or replaces, plus the big
     * file's digest. {@link EstargzEndToEndIT} compares the image's whole tree on 1.6; that walk
     * of thousands of files takes a minute and a half per release here, and whiteouts and opaque
     * directories are applied by the kernel's overlayfs whichever containerd asked for them.
     */
    private static final String LAYERS_SCRIPT = String.join("; ",
            "if test -e " + EstargzTestImage.WHITED_OUT + "; then echo whited-out-present; else echo whited-out-absent; fi",
            "ls -a " + EstargzTestImage.OPAQUE_DIR,
            "cat " + EstargzTestImage.HELLO + " " + EstargzTestImage.REPLACED + " " + EstargzTestImage.TOP,
            "sha256sum " + EstargzTestImage.BIG);

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

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V1_7", "V2_1"})
    void rpullMountsEveryLayerLazilyAndTheContainerSeesWhatANormalPullShows(ContainerdRelease release)
            throws Exception {
        node = TestNode.start(release, tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/rpull");

        node.rpull(image.esgzReference());

        assertOnlyTailsRead(image);
        String lazy = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/sh", "-c", LAYERS_SCRIPT);
        node.pullNormally(image.plainReference());
        assertThat(lazy).isEqualTo(node.run("overlayfs", image.plainReference(), "/bin/sh", "-c", LAYERS_SCRIPT))
                .contains("whited-out-absent\n.\n..\nnew.txt\n").contains(EstargzTestImage.HELLO_CONTENT)
                .contains(EstargzTestImage.REPLACED_CONTENT);
    }

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V1_7", "V2_1"})
    void theCriImageServicePullsLazily(ContainerdRelease release) throws Exception {
        node = TestNode.startWithCri(release, tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/cri");

        try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
            cri.pull(image.esgzReference());
        }

        assertOnlyTailsRead(image);
        assertThat(node.daemon().list()).filteredOn(i -> i.getKind() == Kind.COMMITTED).allSatisfy(info ->
                assertThat(info.getLabelsMap()).containsKey("containerd.io/snapshot/cri.layer-digest")
                        .containsKey(EstargzImage.TOC_DIGEST));
        assertThat(node.containerd().runAndRemoveIn(CriImageClient.NAMESPACE, image.esgzReference(), "cri-run",
                "/bin/cat", EstargzTestImage.HELLO)).isEqualTo(EstargzTestImage.HELLO_CONTENT);
    }

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V2_1"})
    void aPlainCtrPullThroughTheTransferServiceMountsEveryLayerLazily(ContainerdRelease release) throws Exception {
        assertThat(release.pullsThroughTransferService()).isTrue();
        node = TestNode.start(release, tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/transfer");

        node.pull(image.esgzReference());

        assertOnlyTailsRead(image);
        assertThat(node.run(SNAPSHOTTER, image.esgzReference(), "/bin/cat", EstargzTestImage.HELLO))
                .isEqualTo(EstargzTestImage.HELLO_CONTENT);
    }

    /**
     * Every layer is an eStargz snapshot, and the pull read of each layer only ranged tails: one
     * suffix read (footer and TOC), perhaps one more range for a TOC longer than that tail, and
     * never the whole blob.
     */
    private void assertOnlyTailsRead(EstargzImage image) {
        assertThat(EstargzEndToEndIT.remoteSources(node)).as("source of each committed snapshot")
                .hasSize(image.layers().size()).containsOnly(ESTARGZ);
        EstargzEndToEndIT.assertPulledLazily(node, image);
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            List<CountingProxy.BlobRequest> requests = node.proxy().blobRequests(layer.estargz().digest().value());
            assertThat(requests).as("requests for layer %s:\n%s", layer.estargz().digest(),
                    String.join("\n", node.proxy().requests()))
                    .allMatch(r -> r.method().equals("GET") && r.status() == 206 && r.range().isPresent())
                    .hasSizeBetween(1, 2)
                    .filteredOn(r -> r.range().get().startsWith("bytes=-")).hasSize(1);
        }
    }
}
