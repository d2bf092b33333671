package org.cvmfsstargz.it.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.snapshotter.Daemon;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd's remote-snapshot protocol with real containerd: a layer source claims some layers
 * of an image pulled with {@code ctr-remote image rpull}; the daemon answers those Prepares with
 * ALREADY_EXISTS after committing a remote snapshot named by the target chainID, containerd finds
 * it through List with its label and parent filter, skips downloading the layer, and unpacks
 * only the rest. The daemon runs in the test's JVM so that the test can give it a source.
 */
@Timeout(120)
class RemoteSnapshotProtocolIT {
    @TempDir
    Path tmp;

    private Daemon daemon;
    private ContainerdProcess containerd;
    private RegistryProcess registry;

    @AfterEach
    void stopEverything() {
        try (RegistryProcess r = registry) {
            if (containerd != null) {
                containerd.close();
            }
        } finally {
            if (daemon != null) {
                daemon.close();
            }
            ContainerdProcess.unmountUnder(tmp); // before @TempDir's deletion could descend into a mount
        }
    }

    @Test
    void claimedLayersBecomeRemoteSnapshotsAndContainerdDownloadsOnlyTheOthers() throws Exception {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        Image image = OciImageBuilder.image(registry.hostPort() + "/it/remote:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("etc/claimed.txt", "provided by the source\n"))
                .layer(new Layer().file("etc/top.txt", "unpacked by containerd\n"))
                .writeArchive(tmp.resolve("image.tar"));
        List<String> claimable = image.layerDigests().subList(0, 2);
        RegistryBlobSource source = new RegistryBlobSource(claimable);
        Path root = tmp.resolve("snapshotter");
        daemon = Daemon.start(new DaemonConfig(tmp.resolve("d.sock"), root, 5, "info", null),
                new LayerSourceChain(List.of(source)));
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), tmp.resolve("d.sock"));
        publish(image);

        containerd.ctrRemoteOk("image", "rpull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.name());

        assertThat(source.claimed()).as("layers the source provided").containsExactlyElementsOf(claimable);
        assertThat(source.offeredLabels()).hasSize(3).allSatisfy(labels -> assertThat(labels)
                .containsKeys(RemoteLabels.TARGET, RegistryBlobSource.REFERENCE, RegistryBlobSource.DIGEST));
        List<String> remoteNames = new ArrayList<>();
        daemon.snapshotter().queries().list(List.of("labels.\"" + RemoteLabels.REMOTE + "\""), info -> {
            assertThat(info.kind()).isEqualTo(Kind.COMMITTED);
            remoteNames.add(info.name());
        });
        assertThat(remoteNames).as("remote snapshots are named by their chainID")
                .containsExactlyInAnyOrderElementsOf(image.chainIds().subList(0, 2));
        assertThat(daemon.snapshotter().queries().stat(image.chainIds().get(1)).parent())
                .isEqualTo(image.chainIds().get(0));

        String content = containerd.ctrOk("content", "ls", "-q");
        assertThat(content).as("containerd fetched only the layer no source claimed")
                .doesNotContain(claimable.get(0)).doesNotContain(claimable.get(1))
                .contains(image.layerDigests().get(2));
        assertThat(containerd.ctrOk("snapshots", "--snapshotter", SNAPSHOTTER, "ls"))
                .contains(image.chainIds().get(0)).contains(image.chainIds().get(1)).contains(image.chainIds().get(2));

        String output = containerd.runAndRemove(image.name(), "remote", "/bin/cat", "/etc/claimed.txt",
                "/etc/top.txt");
        assertThat(output).isEqualTo("provided by the source\nunpacked by containerd\n");
    }

    /** Puts the image in the registry and nowhere else: containerd starts the pull with nothing. */
    private void publish(Image image) {
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        containerd.pushOk(image.name());
        containerd.ctrOk("images", "rm", "--sync", image.name());
        assertThat(containerd.ctrOk("content", "ls", "-q")).doesNotContain(image.layerDigests().get(0));
    }
}
