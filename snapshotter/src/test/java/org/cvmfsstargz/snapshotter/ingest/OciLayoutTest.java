package org.cvmfsstargz.snapshotter.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutTest {
    @TempDir
    Path temp;

    private static final byte[] TAR = new LayerTar().file("hello", "world").build();

    @Test
    void aLayoutDirectoryYieldsTheConfigDigestCreationTimeAndLayers() throws Exception {
        TestImage.Written image = new TestImage().layer(TAR).writeLayout(temp.resolve("image"));

        try (OciLayout layout = OciLayout.open(image.path())) {
            OciImage read = layout.image();
            assertThat(read.configDigest()).isEqualTo(image.configDigest());
            assertThat(read.created()).isEqualTo(Instant.parse("2024-05-06T07:08:09Z"));
            assertThat(read.layers()).singleElement().satisfies(layer -> {
                assertThat(layer.digest()).isEqualTo(image.layerDigests().getFirst());
                assertThat(layer.diffId()).isEqualTo(image.diffIds().getFirst());
                assertThat(layer.compression()).isEqualTo(OciLayer.Compression.GZIP);
            });
        }
    }

    @Test
    void anOciArchiveIsReadWithoutExtractingIt() throws Exception {
        TestImage.Written image = new TestImage().layer(TAR)
                .writeArchive(temp.resolve("work"), temp.resolve("image.tar"));
        Path out = temp.resolve("out");

        try (OciLayout layout = OciLayout.open(image.path())) {
            new DuccLayoutWriter(out, new LayerUnpacker()).write(layout, IngestListener.NONE);
        }

        Digest digest = image.layerDigests().getFirst();
        assertThat(out.resolve(".layers").resolve(digest.hex().substring(0, 2)).resolve(digest.hex())
                .resolve("layerfs/hello")).hasContent("world");
    }

    @Test
    void aNestedIndexIsFollowedToTheLinuxAmd64Manifest() throws Exception {
        TestImage.Written image = new TestImage().layer(TAR).nestedIndex().writeLayout(temp.resolve("image"));

        try (OciLayout layout = OciLayout.open(image.path())) {
            assertThat(layout.image().configDigest()).isEqualTo(image.configDigest());
        }
    }

    @Test
    void zstdLayersAreRefusedWithAClearMessage() throws Exception {
        TestImage.Written image = new TestImage().layer(TAR)
                .layerMediaType("application/vnd.oci.image.layer.v1.tar+zstd").writeLayout(temp.resolve("image"));

        try (OciLayout layout = OciLayout.open(image.path())) {
            assertThatThrownBy(layout::image).isInstanceOf(IngestException.class).hasMessageContaining("tar+zstd");
        }
    }

    @Test
    void aCorruptManifestBlobIsRefused() throws Exception {
        TestImage.Written image = new TestImage().layer(TAR).writeLayout(temp.resolve("image"));
        Path config = image.path().resolve("blobs/sha256").resolve(image.configDigest().hex());
        Files.writeString(config, Files.readString(config).replace("amd64", "arm64"));

        try (OciLayout layout = OciLayout.open(image.path())) {
            assertThatThrownBy(layout::image).isInstanceOf(IngestException.class)
                    .hasMessageContaining(image.configDigest().value());
        }
    }

    @Test
    void aPathThatIsNeitherLayoutNorArchiveIsRefused() {
        assertThatThrownBy(() -> OciLayout.open(temp.resolve("missing"))).isInstanceOf(IngestException.class)
                .hasMessageContaining("no OCI image");
    }
}
