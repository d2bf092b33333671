package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.cvmfsstargz.bench.startup.BenchImage.Layer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciLayoutWriterTest {
    private static final ImageSpec SPEC = new ImageSpec(2, 300, 400_000, 9);

    @TempDir
    Path tmp;
    private Path busybox;

    @BeforeEach
    void fakeBusybox() throws IOException {
        busybox = Files.write(tmp.resolve("busybox"), "#!not really busybox\n".getBytes(StandardCharsets.UTF_8));
    }

    private BenchImage write(Path dir) throws IOException {
        return OciLayoutWriter.write(ImagePlan.of(SPEC), busybox, dir, 2, message -> {});
    }

    /** Every entry of a layer's tar, by name, with its content for regular files. */
    private static Map<String, String> entries(BenchImage image, Layer layer) throws IOException {
        Map<String, String> entries = new LinkedHashMap<>();
        try (InputStream gz = new GZIPInputStream(Files.newInputStream(image.blobPath(layer.blob())));
                TarArchiveInputStream tar = new TarArchiveInputStream(gz)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                String value = e.isSymbolicLink() ? "-> " + e.getLinkName()
                        : e.isDirectory() ? String.format("dir %o", e.getMode() & 07777)
                        : String.format("%o %d", e.getMode() & 07777, e.getSize());
                assertThat(e.getLongUserId()).isZero();
                entries.put(e.getName(), value);
            }
        }
        return entries;
    }

    @Test
    void writesAnOciLayoutWhoseBlobsMatchTheirDigests() throws IOException {
        BenchImage image = write(tmp.resolve("image"));

        assertThat(image.layers()).hasSize(3);
        assertThat(tmp.resolve("image/oci-layout")).hasContent("{\"imageLayoutVersion\":\"1.0.0\"}");
        assertThat(Files.readString(tmp.resolve("image/index.json"))).contains(image.manifest().digest())
                .contains("\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}");
        List<BenchImage.Blob> blobs = new ArrayList<>(List.of(image.manifest(), image.config()));
        image.layers().forEach(l -> blobs.add(l.blob()));
        for (BenchImage.Blob blob : blobs) {
            byte[] bytes = Files.readAllBytes(image.blobPath(blob));
            assertThat(bytes).hasSize((int) blob.size());
            assertThat(DigestingOutputStream.sha256(bytes)).isEqualTo(blob.digest());
        }
        for (Layer layer : image.layers()) {
            byte[] tar;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(image.blobPath(layer.blob())))) {
                tar = in.readAllBytes();
            }
            assertThat(DigestingOutputStream.sha256(tar)).as("diffID").isEqualTo(layer.diffId());
            assertThat(tar).hasSize((int) layer.tarBytes());
        }
        try (var leftovers = Files.list(tmp.resolve("image/blobs/sha256"))) {
            assertThat(leftovers).as("no partial blob left").hasSize(blobs.size());
        }
    }

    @Test
    void theManifestAndConfigListTheLayersInOrder() throws IOException {
        BenchImage image = write(tmp.resolve("image"));

        String manifest = Files.readString(image.blobPath(image.manifest()));
        String config = Files.readString(image.blobPath(image.config()));
        int last = -1;
        for (Layer layer : image.layers()) {
            assertThat(manifest.indexOf(layer.blob().digest())).isGreaterThan(last);
            last = manifest.indexOf(layer.blob().digest());
            assertThat(manifest).contains("{\"mediaType\":\"" + OciLayoutWriter.LAYER_TYPE + "\",\"digest\":\""
                    + layer.blob().digest() + "\",\"size\":" + layer.blob().size() + "}");
        }
        assertThat(manifest).contains(image.config().digest());
        assertThat(config).contains("\"diff_ids\":[\"" + image.layers().get(0).diffId() + "\",\""
                + image.layers().get(1).diffId() + "\",\"" + image.layers().get(2).diffId() + "\"]");
    }

    @Test
    void theBaseLayerIsBusyboxWithItsLinksAndTheDirectoriesRuncNeeds() throws IOException {
        BenchImage image = write(tmp.resolve("image"));

        Map<String, String> base = entries(image, image.layers().getFirst());

        assertThat(base).containsEntry("bin/", "dir 755").containsEntry("bin/busybox", "755 21")
                .containsEntry("bin/sh", "-> busybox").containsEntry("bin/cat", "-> busybox")
                .containsEntry("tmp/", "dir 1777").containsEntry("proc/", "dir 755").containsEntry("etc/", "dir 755");
        assertThat(List.copyOf(base.keySet()).indexOf("bin/")).isLessThan(List.copyOf(base.keySet()).indexOf("bin/busybox"));
    }

    @Test
    void theGeneratedLayersHoldThePlannedFilesUnderTheirDirectoriesAndTheTopOneTheProbe() throws IOException {
        ImagePlan plan = ImagePlan.of(SPEC);
        BenchImage image = write(tmp.resolve("image"));

        for (ImagePlan.LayerPlan planned : plan.layers()) {
            Map<String, String> entries = entries(image, image.layers().get(planned.index()));
            List<String> names = List.copyOf(entries.keySet());
            for (ImagePlan.PlannedFile f : planned.files()) {
                assertThat(entries).containsEntry(f.path(), String.format("%o %d", f.mode(), f.size()));
                String parent = f.path().substring(0, f.path().lastIndexOf('/') + 1);
                assertThat(names.indexOf(parent)).as("%s before %s", parent, f.path()).isBetween(0, names.indexOf(f.path()));
            }
            assertThat(entries).containsEntry("opt/", "dir 755").containsEntry("opt/bench/", "dir 755");
        }
        assertThat(entries(image, image.layers().getLast())).containsKey(OciLayoutWriter.PROBE_PATH);
        assertThat(entries(image, image.layers().get(1))).doesNotContainKey(OciLayoutWriter.PROBE_PATH);
        assertThat(image.probePath()).isEqualTo("/etc/bench-release");
        assertThat(image.probeContent()).contains(SPEC.key()).endsWith("\n");
        assertThat(image.files()).isEqualTo(302);
        assertThat(image.fileBytes()).isEqualTo(SPEC.bytes() + 21 + image.probeContent().length());
    }

    @Test
    void theSameSpecGivesTheSameDigests() throws IOException {
        BenchImage a = write(tmp.resolve("a"));
        BenchImage b = write(tmp.resolve("b"));

        assertThat(a.layers()).isEqualTo(b.layers());
        assertThat(a.manifest()).isEqualTo(b.manifest());
    }

    @Test
    void aStoredImageIsReusedOnlyForTheSameSpecAndWithEveryBlobWhole() throws IOException {
        BenchImage image = write(tmp.resolve("image"));

        assertThat(BenchImage.load(tmp.resolve("image"), SPEC.key())).contains(image);
        assertThat(BenchImage.load(tmp.resolve("image"), new ImageSpec(2, 300, 400_000, 10).key())).isEmpty();
        assertThat(BenchImage.load(tmp.resolve("nothing-here"), SPEC.key())).isEmpty();

        Path blob = image.blobPath(image.layers().get(1).blob());
        Files.write(blob, new byte[] {1, 2, 3});
        assertThat(BenchImage.load(tmp.resolve("image"), SPEC.key())).isEmpty();
    }
}
