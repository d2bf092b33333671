package org.cvmfsstargz.snapshotter.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuccLayoutWriterTest {
    @TempDir
    Path temp;

    private static final byte[] BASE = new LayerTar().dir("etc").file("etc/os-release", "ID=test\n").build();
    private static final byte[] APP = new LayerTar().dir("etc").file("etc/.wh.os-release", "")
            .file("app", "#!/bin/sh\n", 0755, e -> { }).build();

    private IngestReport ingest(Path image, Path output) throws Exception {
        try (OciLayout layout = OciLayout.open(image)) {
            return new DuccLayoutWriter(output, new LayerUnpacker()).write(layout, IngestListener.NONE);
        }
    }

    private static Path layerDir(Path output, Digest digest) {
        return output.resolve(".layers").resolve(digest.hex().substring(0, 2)).resolve(digest.hex());
    }

    @Test
    void theLayoutAndMetadataAreExactlyWhatDuccWrites() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).layer(APP).writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");

        IngestReport report = ingest(image.path(), out);

        assertThat(report.layersWritten()).isEqualTo(2);
        assertThat(report.layersSkipped()).isZero();
        assertThat(out.resolve(".layers/.cvmfscatalog")).isRegularFile().isEmptyFile();
        for (int i = 0; i < 2; i++) {
            Digest digest = image.layerDigests().get(i);
            Path layer = layerDir(out, digest);
            assertThat(layer.getParent().resolve(".cvmfscatalog")).isRegularFile().isEmptyFile();
            assertThat(layer.resolve("layerfs/.cvmfscatalog")).isRegularFile().isEmptyFile();
            try (Stream<Path> children = Files.list(layer)) {
                assertThat(children.map(p -> p.getFileName().toString()))
                        .containsExactlyInAnyOrder("layerfs", ".metadata");
            }
            assertThat(layer.resolve(".metadata/layers.json")).hasContent("[{\"id\":\"" + image.diffIds().get(i).hex()
                    + "\",\"created\":\"2024-05-06T07:08:09Z\",\"compressed-diff-digest\":\"" + digest
                    + "\",\"diff-digest\":\"" + image.diffIds().get(i) + "\",\"diff-size\":"
                    + image.diffSizes().get(i) + "}]");
            assertThat(layer.resolve(".metadata/origin.json"))
                    .hasContent("{\"origin\":[\"" + image.configDigest() + "\"]}");
        }
        assertThat(layerDir(out, image.layerDigests().get(0)).resolve("layerfs/etc/os-release"))
                .hasContent("ID=test\n");
        assertThat(layerDir(out, image.layerDigests().get(1)).resolve("layerfs/etc/.wh.os-release")).isEmptyFile();
        WhiteoutPlan app = index(out, image.layerDigests().get(1));
        assertThat(app.deleted()).containsExactly(Path.of("etc/os-release"));
        assertThat(app.hidden()).containsExactlyInAnyOrder(Path.of(".cvmfscatalog"), Path.of("etc/.wh.os-release"));
        assertThat(app).isEqualTo(walk(out, image.layerDigests().get(1)));
        assertThat(index(out, image.layerDigests().get(0)).hidden()).containsExactly(Path.of(".cvmfscatalog"));
        try (Stream<Path> shard = Files.list(layerDir(out, image.layerDigests().get(0)).getParent())) {
            assertThat(shard.map(p -> p.getFileName().toString())).noneMatch(n -> n.contains(".ingest-"));
        }
    }

    @Test
    void aLayerSharedByTwoImagesListsBothOriginsAndIsNotRewritten() throws Exception {
        TestImage.Written first = new TestImage().layer(BASE).writeLayout(temp.resolve("first"));
        TestImage.Written second = new TestImage().layer(BASE).layer(APP).created("2025-01-01T00:00:00Z")
                .writeLayout(temp.resolve("second"));
        Path out = temp.resolve("out");
        ingest(first.path(), out);
        Path shared = layerDir(out, first.layerDigests().getFirst());
        Path marker = Files.createFile(shared.resolve("layerfs/marker-left-by-test"));
        String layersJson = Files.readString(shared.resolve(".metadata/layers.json"));

        IngestReport report = ingest(second.path(), out);

        assertThat(report.layersWritten()).isEqualTo(1);
        assertThat(report.layersSkipped()).isEqualTo(1);
        assertThat(marker).exists();
        assertThat(shared.resolve(".metadata/layers.json")).hasContent(layersJson);
        assertThat(shared.resolve(".metadata/origin.json")).hasContent("{\"origin\":[\"" + first.configDigest()
                + "\",\"" + second.configDigest() + "\"]}");
        assertThat(layerDir(out, second.layerDigests().get(1)).resolve(".metadata/origin.json"))
                .hasContent("{\"origin\":[\"" + second.configDigest() + "\"]}");
    }

    @Test
    void theWhiteoutIndexOfALayerWithAwkwardNamesIsWhatAWalkOfThePublishedTreeFinds() throws Exception {
        byte[] awkward = new LayerTar().dir("a dir").file("a dir/.wh.gone file", "").dir("100%")
                .file("100%/.wh..wh..opq", "").dir("new\nline").file("new\nline/.wh.\u00fcber", "")
                .dir("tmp", 01777, e -> e.setIds(12, 34)).file("tmp/.wh.junk", "").file("keep", "x").build();
        TestImage.Written image = new TestImage().layer(BASE).layer(awkward).writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");

        ingest(image.path(), out);

        WhiteoutPlan plan = index(out, image.layerDigests().get(1));
        assertThat(plan).isEqualTo(walk(out, image.layerDigests().get(1)));
        assertThat(plan.deleted()).containsExactlyInAnyOrder(Path.of("a dir/gone file"), Path.of("new\nline/\u00fcber"),
                Path.of("tmp/junk"));
        assertThat(plan.opaque()).containsExactly(Path.of("100%"));
        assertThat(plan.directories().get(Path.of("tmp")).mode()).isEqualTo(01777);
    }

    @Test
    void aLayerIngestedWithoutAnIndexGetsOneWhenAnImageUsingItIsIngestedAgain() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).layer(APP).writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");
        ingest(image.path(), out);
        Path index = layerDir(out, image.layerDigests().get(1)).resolve(".metadata/whiteouts");
        Files.delete(index);

        IngestReport again = ingest(image.path(), out);

        assertThat(again.layersSkipped()).isEqualTo(2);
        assertThat(index(out, image.layerDigests().get(1))).isEqualTo(walk(out, image.layerDigests().get(1)));
    }

    @Test
    void ingestingTheSameImageTwiceSkipsEveryLayerAndListsItsOriginOnce() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");
        ingest(image.path(), out);

        IngestReport again = ingest(image.path(), out);

        assertThat(again.layersSkipped()).isEqualTo(1);
        assertThat(layerDir(out, image.layerDigests().getFirst()).resolve(".metadata/origin.json"))
                .hasContent("{\"origin\":[\"" + image.configDigest() + "\"]}");
    }

    @Test
    void aBlobWhoseBytesDoNotMatchItsDigestIsRefusedLeavingNoLayer() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).writeLayout(temp.resolve("image"));
        Digest digest = image.layerDigests().getFirst();
        Path blob = image.path().resolve("blobs/sha256").resolve(digest.hex());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[bytes.length - 5] ^= 0x01;
        Files.write(blob, bytes);
        Path out = temp.resolve("out");

        assertThatThrownBy(() -> ingest(image.path(), out)).isInstanceOf(IngestException.class)
                .hasMessageContaining(digest.value());

        assertNoLayerLeft(out, digest);
    }

    @Test
    void aLayerWhoseTarDoesNotMatchTheConfigDiffIdIsRefusedLeavingNoLayer() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).wrongDiffIds().writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");

        assertThatThrownBy(() -> ingest(image.path(), out)).isInstanceOf(IngestException.class)
                .hasMessageContaining("diffID");

        assertNoLayerLeft(out, image.layerDigests().getFirst());
    }

    @Test
    void anUnsafeEntryIsRefusedLeavingNoLayer() throws Exception {
        TestImage.Written image = new TestImage().layer(new LayerTar().file("ok", "x").file("../evil", "x").build())
                .writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");

        assertThatThrownBy(() -> ingest(image.path(), out)).isInstanceOf(IngestException.class)
                .hasMessageContaining("../evil");

        assertNoLayerLeft(out, image.layerDigests().getFirst());
        assertThat(out.resolve(".layers/evil")).doesNotExist();
    }

    @Test
    void uncompressedLayersAreIngestedToo() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).uncompressed().writeLayout(temp.resolve("image"));
        Path out = temp.resolve("out");

        ingest(image.path(), out);

        assertThat(image.layerDigests()).isEqualTo(image.diffIds());
        assertThat(layerDir(out, image.layerDigests().getFirst()).resolve("layerfs/etc/os-release"))
                .hasContent("ID=test\n");
    }

    /** The layer's whiteout index as the daemon reads it. */
    private static WhiteoutPlan index(Path out, Digest digest) throws Exception {
        return WhiteoutIndex.decode(Files.readAllBytes(layerDir(out, digest).resolve(".metadata/whiteouts")),
                LayerDigest.parse(digest.value()), "test");
    }

    /** The layer's plan as a walk of its published tree finds it. */
    private static WhiteoutPlan walk(Path out, Digest digest) throws Exception {
        return new WhiteoutScan(Duration.ofSeconds(5), 10_000).walk(layerDir(out, digest).resolve("layerfs"), n -> { });
    }

    private static void assertNoLayerLeft(Path out, Digest digest) throws Exception {
        Path shard = layerDir(out, digest).getParent();
        assertThat(layerDir(out, digest)).doesNotExist();
        if (Files.exists(shard)) {
            try (Stream<Path> children = Files.list(shard)) {
                assertThat(children.map(p -> p.getFileName().toString()).toList())
                        .isEqualTo(List.of(".cvmfscatalog"));
            }
        }
    }
}
