package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;
import static org.cvmfsstargz.it.support.TestNode.REPOSITORY;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.cvmfsstargz.it.support.ContainerdRelease;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link CvmfsEndToEndIT}'s pulls on the newer containerd releases: {@code ctr-remote image
 * rpull}, the CRI image service and, from 2.0, a plain {@code ctr image pull} through the transfer
 * service. Every layer of the image is on CVMFS, so the registry serves the manifest and the
 * config and no layer byte; the container sees what a normal pull shows, whiteout and opaque
 * directory included.
 */
@Timeout(180)
class CvmfsReleasesIT {
    @TempDir
    Path tmp;

    private TestNode node;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V1_7", "V2_1"})
    void rpullServesEveryLayerFromCvmfsAndTheContainerSeesWhatANormalPullShows(ContainerdRelease release)
            throws Exception {
        node = TestNode.start(release, tmp, "", List.of(REPOSITORY));
        Image image = published("it/rpull:1");

        node.rpull(image);

        assertNoLayerBytesServed(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", CvmfsEndToEndIT.LAYERS_SCRIPT))
                .isEqualTo(CvmfsEndToEndIT.LAYERS_OUTPUT);
        String fromCvmfs = node.tree(SNAPSHOTTER, image);
        node.pullNormally(image);
        assertThat(fromCvmfs).isEqualTo(node.tree("overlayfs", image)).doesNotContain("/etc/gone.txt")
                .doesNotContain("/data/lower.txt").doesNotContain(".wh.");
    }

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V1_7", "V2_1"})
    void theCriImageServiceServesEveryLayerFromCvmfs(ContainerdRelease release) throws Exception {
        node = TestNode.startWithCri(release, tmp, "", List.of(REPOSITORY));
        Image image = published("it/cri:1");

        try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
            cri.pull(image.name());
        }

        assertNoLayerBytesServed(image);
        assertThat(node.daemon().list()).as("the CRI labels were the ones offered").allSatisfy(info ->
                assertThat(info.getLabelsMap()).containsKey("containerd.io/snapshot/cri.layer-digest"));
        assertThat(node.containerd().runAndRemoveIn(CriImageClient.NAMESPACE, image.name(), "cri-run",
                "/bin/sh", "-c", CvmfsEndToEndIT.LAYERS_SCRIPT)).isEqualTo(CvmfsEndToEndIT.LAYERS_OUTPUT);
    }

    @ParameterizedTest
    @EnumSource(value = ContainerdRelease.class, names = {"V2_1"})
    void aPlainCtrPullThroughTheTransferServiceFetchesNoLayerByte(ContainerdRelease release) throws Exception {
        assertThat(release.pullsThroughTransferService()).isTrue();
        node = TestNode.start(release, tmp, "", List.of(REPOSITORY));
        Image image = published("it/transfer:1");

        node.pull(image.name());

        assertNoLayerBytesServed(image);
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", CvmfsEndToEndIT.LAYERS_SCRIPT))
                .isEqualTo(CvmfsEndToEndIT.LAYERS_OUTPUT);
    }

    private Image published(String repositoryAndTag) throws Exception {
        Image image = CvmfsEndToEndIT.image(tmp, node.imageName(repositoryAndTag));
        node.ingest(image, REPOSITORY);
        node.publish(image);
        return image;
    }

    /**
     * Each layer's snapshot is a CVMFS one, and of the blobs only the config was served: one blob,
     * none of the layers.
     */
    private void assertNoLayerBytesServed(Image image) {
        assertThat(CvmfsEndToEndIT.sources(node)).as("source of each layer's snapshot")
                .isEqualTo(image.chainIds().stream().collect(Collectors.toMap(c -> c, c -> "cvmfs")));
        Set<String> served = node.proxy().blobsServed();
        assertThat(served).as("blobs served; requests:\n%s", String.join("\n", node.proxy().requests()))
                .hasSize(1).doesNotContainAnyElementsOf(image.layerDigests());
    }
}
