package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.cvmfsstargz.it.support.ContainerdRelease;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.TestNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The plain overlay path ({@link ContainerdEndToEndIT}, which runs on 1.6) on the newer releases
 * sites run: an imported image runs with each layer's files, whiteouts and opaque directories; the
 * image pushed, removed and pulled back from the registry runs the same; and once container and
 * image are gone, containerd's garbage collector removes every snapshot of ours.
 */
@Timeout(180)
class ContainerdReleasesIT {
    private static final Duration GC_DEADLINE = Duration.ofSeconds(60);

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
    void importRunPullAndGarbageCollectionWorkAsOn16(ContainerdRelease release) throws Exception {
        node = TestNode.start(release, tmp, "enabled = false\n", List.of());
        Image image = ContainerdEndToEndIT.overlayImage(node.imageName("it/overlay:1"))
                .writeArchive(tmp.resolve("overlay.tar"));

        node.containerd().ctrOk("images", "import", "--snapshotter", SNAPSHOTTER, image.archive().toString());
        assertThat(node.run(SNAPSHOTTER, image, "/bin/sh", "-c", ContainerdEndToEndIT.OVERLAY_SCRIPT))
                .isEqualTo(ContainerdEndToEndIT.OVERLAY_OUTPUT);

        node.publish(image);
        node.pull(image.name());
        assertThat(node.containerd().runAndRemove(image.name(), "pulled", "/bin/sh", "-c",
                ContainerdEndToEndIT.OVERLAY_SCRIPT)).isEqualTo(ContainerdEndToEndIT.OVERLAY_OUTPUT);
        node.containerd().run(image.name(), "kept", "/bin/sh", "-c", "true");
        assertThat(node.daemon().list()).as("a committed snapshot per layer and the container's active one")
                .hasSize(image.chainIds().size() + 1);

        node.containerd().ctrOk("containers", "rm", "kept");
        node.containerd().ctrOk("images", "rm", "--sync", image.name());

        Instant deadline = Instant.now().plus(GC_DEADLINE);
        while (!(node.daemon().list().isEmpty() && node.daemon().snapshotDirectories().isEmpty())) {
            assertThat(Instant.now()).as("snapshots left by GC: %s%s", node.daemon().list(),
                    node.containerd().diagnostics()).isBefore(deadline);
            Thread.sleep(100);
        }
    }
}
