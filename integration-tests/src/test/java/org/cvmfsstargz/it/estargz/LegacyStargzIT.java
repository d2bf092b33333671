package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Legacy stargz (CRFS's format, before eStargz): a 47-byte footer, no {@code chunkDigest}s and
 * no {@code toc.digest} annotation, so nothing verifies its bytes. ctr-remote 0.12 cannot write
 * it; the layers here are written by {@link TestBlob} the way {@code stargzify} did. The daemon
 * mounts such a layer lazily only when told to trust unverified layers
 * ({@code estargz.require_toc_digest = false}); by default it is pulled normally.
 */
class LegacyStargzIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    private static final String NO_CVMFS = "enabled = false\n";
    private static final String TRUST_LEGACY = NO_CVMFS + "[estargz]\nrequire_toc_digest = false\n";
    private static final String HELLO = "/legacy/hello.txt";
    private static final String HELLO_CONTENT = "hello from a legacy stargz layer\n";
    private static final String BIG = "/legacy/big.bin";
    private static final byte[] BIG_CONTENT = OciImageBuilder.Layer.randomBytes(7, 3 << 20);

    @TempDir
    Path tmp;

    private TestNode node;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void trustingUnverifiedLayersMountsALegacyLayerLazilyAndServesItsFiles() throws Exception {
        node = TestNode.start(tmp, TRUST_LEGACY, List.of());
        // One layer, busybox included: containerd 1.6 downloads every layer above one it must pull.
        TestBlob.Built legacy = legacyFiles(withBusybox(TestBlob.layer())).build();
        Image image = publish("it/legacy-lazy", OciImageBuilder.image(node.imageName("it/legacy-lazy:1"))
                .compressedLayer(legacy.blob()));

        node.rpull(image);

        assertThat(committedSources()).containsExactly("estargz");
        String hello = node.run(SNAPSHOTTER, image, "/bin/cat", HELLO);
        long servedForHello = node.proxy().blobBytes(image.layerDigests().getFirst());
        List<String> requestsForHello = node.proxy().requests();
        String big = node.run(SNAPSHOTTER, image, "/bin/sh", "-c", "sha256sum " + BIG + " | cut -d' ' -f1");

        assertThat(hello).isEqualTo(HELLO_CONTENT);
        assertThat("sha256:" + big.strip()).isEqualTo(OciImageBuilder.sha256(BIG_CONTENT));
        long size = legacy.blob().length;
        assertThat(servedForHello).as("layer bytes served for the pull and a cat of one small file (of %s, %s of"
                + " them a file not read); requests:\n%s", size, BIG_CONTENT.length,
                String.join("\n", requestsForHello)).isLessThan(size - BIG_CONTENT.length / 2);
    }

    @Test
    void byDefaultALegacyLayerIsPulledNormallyForWantOfATocDigest() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        TestBlob.Built legacy = legacyFiles(TestBlob.layer()).build();
        Image image = publish("it/legacy-pulled", OciImageBuilder.image(node.imageName("it/legacy-pulled:1"))
                .layer(OciImageBuilder.Layer.busyboxBase())
                .compressedLayer(legacy.blob()));

        node.rpull(image);

        assertThat(committedSources()).containsExactly("", "");
        assertThat(node.run(SNAPSHOTTER, image, "/bin/cat", HELLO)).isEqualTo(HELLO_CONTENT);
        assertThat(node.proxy().blobBytes(image.layerDigests().getLast())).isEqualTo(legacy.blob().length);
    }

    private Image publish(String repository, OciImageBuilder builder) throws IOException {
        Image image = builder.writeArchive(tmp.resolve(repository.replace('/', '-') + ".tar"));
        node.publish(image);
        return image;
    }

    /** A 3 MiB file in 1 MiB chunks, a small one and a symlink, under /legacy, with CRFS's TOC. */
    private static TestBlob legacyFiles(TestBlob layer) {
        return layer.chunkSize(1 << 20).legacyFooter()
                .dir("legacy")
                .file("legacy/hello.txt", HELLO_CONTENT)
                .file("legacy/big.bin", BIG_CONTENT)
                .symlink("legacy/link", "hello.txt")
                .editEntries(entries -> entries.forEach(LegacyStargzIT::withoutChunkDigest));
    }

    /** The host's static busybox with the applets the tests run, and the directories runc mounts over. */
    private static TestBlob withBusybox(TestBlob layer) throws IOException {
        layer.dir("bin").file("bin/busybox", Files.readAllBytes(Path.of("/bin/busybox")), Map.of("mode", 0755));
        for (String applet : List.of("sh", "cat", "sha256sum", "cut")) {
            layer.symlink("bin/" + applet, "busybox");
        }
        for (String dir : List.of("etc", "dev", "proc", "sys", "root", "run", "tmp")) {
            layer.dir(dir);
        }
        return layer;
    }

    /** CRFS's TOC gives a regular file a whole-file {@code digest}, but no chunk a {@code chunkDigest}. */
    private static void withoutChunkDigest(Map<String, Object> entry) {
        entry.remove("chunkDigest");
    }

    /** The source label of each committed snapshot ("" for a pulled layer). */
    private List<String> committedSources() {
        return node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                .map(i -> i.getLabelsOrDefault(SOURCE_LABEL, "")).toList();
    }
}
