package org.cvmfsstargz.it.cri;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;
import static org.cvmfsstargz.it.support.CriImageClient.NAMESPACE;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes pull path: the kubelet's PullImage, through containerd's CRI plugin, into our
 * daemon as the proxy snapshotter, from a registry behind the counting proxy. The daemon has no
 * layer source, so every layer is downloaded and unpacked the ordinary way; what this pins down is
 * what CRI tells the snapshotter about each layer (the labels a remote source will decide by) and
 * what the registry served (the baseline a lazy pull must beat).
 */
@Timeout(180)
class CriPullIT {
    private static final String LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
    private static final String IMAGE_REF = "containerd.io/snapshot/cri.image-ref";
    private static final String IMAGE_LAYERS = "containerd.io/snapshot/cri.image-layers";
    private static final String MANIFEST_DIGEST = "containerd.io/snapshot/cri.manifest-digest";
    private static final String TARGET = "containerd.io/snapshot.ref";

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private CountingProxy proxy;
    private DaemonProcess daemon;
    private ContainerdProcess containerd;
    private CriImageClient cri;

    @AfterEach
    void stopEverything() {
        try (CountingProxy p = proxy) {
            if (cri != null) {
                cri.close();
            }
            Teardown.stop(tmp, containerd, daemon, registry);
        }
    }

    @Test
    void criPullLabelsEveryLayerSnapshotAndDownloadsEachBlobOnce() throws Exception {
        Image image = startAllAndPublish();

        String imageId = cri.pull(image.name());

        assertThat(imageId).startsWith("sha256:");
        assertThat(cri.status(image.name())).hasValueSatisfying(status -> {
            assertThat(status.id()).isEqualTo(imageId);
            assertThat(status.repoTags()).contains(image.name());
        });
        assertThat(cri.list()).anySatisfy(listed -> assertThat(listed.id()).isEqualTo(imageId));
        assertThat(containerd.ctrIn(NAMESPACE, "images", "ls", "-q")).contains(image.name());

        List<Info> snapshots = daemon.list();
        assertThat(snapshots).as("one committed snapshot per layer, no extract key left: %s", describe(snapshots))
                .hasSize(image.chainIds().size()).allSatisfy(info -> assertThat(info.getKind()).isEqualTo(Kind.COMMITTED));
        for (int i = 0; i < image.chainIds().size(); i++) {
            String chainId = image.chainIds().get(i);
            Info committed = committedSnapshot(snapshots, chainId);
            assertThat(committed.getLabelsMap()).as("labels of layer %d's snapshot in the daemon", i)
                    .containsEntry(TARGET, chainId)
                    .containsEntry(LAYER_DIGEST, image.layerDigests().get(i))
                    .containsEntry(IMAGE_REF, image.name())
                    .hasEntrySatisfying(MANIFEST_DIGEST, digest -> assertThat(digest).matches("sha256:[0-9a-f]{64}"))
                    .containsEntry(IMAGE_LAYERS, String.join(",", image.layerDigests().subList(i, image.layerDigests().size())));
            assertThat(committed.getParent()).as("parent of layer %d", i)
                    .isEqualTo(i == 0 ? "" : committedSnapshot(snapshots, image.chainIds().get(i - 1)).getName());
            // containerd's view (its metadata, plus our Stat) carries the same labels.
            assertThat(containerd.ctrIn(NAMESPACE, "snapshots", "--snapshotter", SNAPSHOTTER, "info", chainId))
                    .contains(LAYER_DIGEST).contains(image.layerDigests().get(i));
        }

        for (String layer : image.layerDigests()) {
            assertThat(proxy.blobBytes(layer)).as("bytes served for layer %s; requests: %s", layer, proxy.requests())
                    .isEqualTo(registryBlobSize(image, layer));
        }
        long layerBytes = image.layerDigests().stream().mapToLong(d -> registryBlobSize(image, d)).sum();
        assertThat(proxy.totalBlobBytes()).as("layers plus the config, each once; requests: %s", proxy.requests())
                .isEqualTo(layerBytes + registryBlobSize(image, imageId));
    }

    @Test
    void aContainerRunsFromTheCriPulledImageAndTheImageCanBeRemoved() throws Exception {
        Image image = startAllAndPublish();
        String imageId = cri.pull(image.name());

        String output = containerd.runAndRemoveIn(NAMESPACE, image.name(), "cri-run", "/bin/cat", "/etc/cri.txt");
        cri.remove(image.name());

        assertThat(output).isEqualTo("pulled through CRI\n");
        assertThat(cri.status(image.name())).isEmpty();
        assertThat(cri.list()).noneSatisfy(listed -> assertThat(listed.id()).isEqualTo(imageId));
    }

    /**
     * Starts the registry, the proxy in front of it, the daemon and CRI-enabled containerd, and
     * puts a two-layer image in the registry (through the proxy, whose counts are then reset).
     * containerd starts the test with none of the image's content.
     */
    private Image startAllAndPublish() throws IOException {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        proxy = CountingProxy.start(registry.hostPort());
        daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"));
        containerd = ContainerdProcess.startWithCri(tmp.resolve("containerd"), tmp.resolve("d.sock"), proxy.hostPort());
        containerd.alsoReportOnFailure(() -> "\n--- daemon log ---\n" + daemon.logText());
        cri = CriImageClient.connect(containerd.address());
        Image image = OciImageBuilder.image(proxy.hostPort() + "/it/cri:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("etc/cri.txt", "pulled through CRI\n"))
                .writeArchive(tmp.resolve("image.tar"));
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        containerd.pushOk(image.name());
        containerd.ctrOk("images", "rm", "--sync", image.name());
        assertThat(containerd.ctrIn(NAMESPACE, "content", "ls", "-q")).doesNotContain(image.layerDigests().get(0));
        proxy.reset();
        return image;
    }

    /** The daemon's committed snapshot for layer {@code chainId}: the one CRI's unpack labelled with it. */
    private static Info committedSnapshot(List<Info> snapshots, String chainId) {
        List<Info> matches = snapshots.stream()
                .filter(info -> chainId.equals(info.getLabelsMap().get(TARGET)) && info.getKind() == Kind.COMMITTED)
                .toList();
        assertThat(matches).as("committed snapshots labelled %s=%s among %s", TARGET, chainId, describe(snapshots))
                .hasSize(1);
        return matches.getFirst();
    }

    private static String describe(List<Info> snapshots) {
        return snapshots.stream().map(s -> s.getName() + " " + s.getKind() + " parent=" + s.getParent() + " "
                + s.getLabelsMap()).toList().toString();
    }

    /** The blob's size as the registry itself (not the proxy) reports it. */
    private long registryBlobSize(Image image, String digest) {
        String repository = image.name().substring(image.name().indexOf('/') + 1, image.name().lastIndexOf(':'));
        URI uri = URI.create("http://" + registry.hostPort() + "/v2/" + repository + "/blobs/" + digest);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            var response = http.send(HttpRequest.newBuilder(uri).method("HEAD", BodyPublishers.noBody())
                    .timeout(Duration.ofSeconds(10)).build(), BodyHandlers.discarding());
            assertThat(response.statusCode()).as("HEAD %s", uri).isEqualTo(200);
            return response.headers().firstValueAsLong("Content-Length").orElseThrow();
        } catch (IOException e) {
            throw new AssertionError("cannot HEAD " + uri, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted asking " + uri, e);
        }
    }
}
