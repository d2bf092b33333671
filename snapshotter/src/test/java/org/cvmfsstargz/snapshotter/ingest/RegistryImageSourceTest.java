package org.cvmfsstargz.snapshotter.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryImageSourceTest {
    private static final byte[] BASE = new LayerTar().dir("etc").file("etc/os-release", "ID=test\n")
            .symlink("etc/link", "os-release").hardlink("etc/hard", "etc/os-release").build();
    private static final byte[] APP = new LayerTar().dir("etc").file("etc/.wh.os-release", "")
            .file("app", "#!/bin/sh\n", 0755, e -> { }).build();
    private static final RegistryOptions FAST = RegistryOptions.defaults().withRetry(
            new RegistryOptions.Retry(2, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofSeconds(10)));

    @TempDir
    Path temp;

    private static IngestReport ingest(ImageSource source, Path output) throws IngestException, IOException {
        try (source) {
            return new DuccLayoutWriter(output, new LayerUnpacker()).write(source, IngestListener.NONE);
        }
    }

    private static RegistryImageSource source(LayoutRegistry registry) {
        return new RegistryImageSource(ImageReference.parse(registry.reference()), new RegistryClient(FAST));
    }

    @Test
    void anImageFromARegistryIsIngestedExactlyAsFromItsLayout() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).layer(APP).nestedIndex()
                .writeLayout(temp.resolve("image"));
        try (LayoutRegistry registry = LayoutRegistry.serve(image.path(), "it/app", "1")) {
            IngestReport report = ingest(source(registry), temp.resolve("from-registry"));

            assertThat(report.layersWritten()).isEqualTo(2);
            assertThat(report.image().configDigest()).isEqualTo(image.configDigest());
            assertThat(registry.requests()).as("the arm64 entry of the index is never fetched")
                    .noneMatch(r -> r.contains(TestImage.digestOf(new byte[] {2}).value()));
        }
        ingest(OciLayout.open(image.path()), temp.resolve("from-layout"));

        assertThat(tree(temp.resolve("from-registry"))).isEqualTo(tree(temp.resolve("from-layout")))
                .containsKey(".layers/" + image.layerDigests().getFirst().hex().substring(0, 2) + "/"
                        + image.layerDigests().getFirst().hex() + "/layerfs/etc/os-release");
    }

    @Test
    void aLayerBlobCorruptedByTheRegistryIsRefusedAndNoLayerIsPlaced() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).uncompressed().writeLayout(temp.resolve("image"));
        Digest layer = image.layerDigests().getFirst();
        byte[] flipped = Files.readAllBytes(image.path().resolve("blobs/sha256").resolve(layer.hex()));
        flipped[indexOf(flipped, "ID=test".getBytes(StandardCharsets.UTF_8))] ^= 1; // os-release's content
        Path out = temp.resolve("out");
        try (LayoutRegistry registry = LayoutRegistry.serve(image.path(), "it/app", "1")) {
            registry.replace(layer, flipped);

            assertThatThrownBy(() -> ingest(source(registry), out)).isInstanceOf(IngestException.class)
                    .hasMessageContaining(layer.value()).hasMessageContaining("corrupt");
        }
        assertThat(out.resolve(".layers").resolve(layer.hex().substring(0, 2)).resolve(layer.hex())).doesNotExist();
    }

    @Test
    void aLayerWhoseDiffIdDisagreesWithTheConfigIsRefused() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).wrongDiffIds().writeLayout(temp.resolve("image"));
        try (LayoutRegistry registry = LayoutRegistry.serve(image.path(), "it/app", "1")) {
            assertThatThrownBy(() -> ingest(source(registry), temp.resolve("out"))).isInstanceOf(IngestException.class)
                    .hasMessageContaining("diffID");
        }
    }

    @Test
    void aConfigCorruptedByTheRegistryIsRefusedBeforeAnyLayerIsRead() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).writeLayout(temp.resolve("image"));
        try (LayoutRegistry registry = LayoutRegistry.serve(image.path(), "it/app", "1")) {
            registry.replace(image.configDigest(), "{\"rootfs\":{\"diff_ids\":[]}}".getBytes());

            assertThatThrownBy(() -> ingest(source(registry), temp.resolve("out"))).isInstanceOf(IngestException.class)
                    .hasMessageContaining(image.configDigest().value()).hasMessageContaining("corrupt");
            assertThat(registry.requests()).noneMatch(r -> r.contains(image.layerDigests().getFirst().value()));
        }
    }

    @Test
    void anUnknownTagFailsNamingTheUrlAndStatus() throws Exception {
        TestImage.Written image = new TestImage().layer(BASE).writeLayout(temp.resolve("image"));
        try (LayoutRegistry registry = LayoutRegistry.serve(image.path(), "it/app", "1")) {
            String missing = registry.reference().replace(":1", ":2");
            RegistryImageSource source = new RegistryImageSource(ImageReference.parse(missing),
                    new RegistryClient(FAST));

            assertThatThrownBy(() -> ingest(source, temp.resolve("out"))).isInstanceOf(IngestException.class)
                    .hasMessageContaining(missing).hasMessageContaining("/v2/it/app/manifests/2")
                    .hasMessageContaining("404");
        }
        assertThat(temp.resolve("out")).doesNotExist();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }

    /** Every entry under {@code root}: type, permissions, and content or link target. */
    /**
     * Every entry with its type, permissions and content hash; not times, which differ between two
     * ingests where the tar leaves them open (the root of {@code layerfs}). The whiteout index
     * records directory times, so its own are blanked, with its checksum line, before hashing.
     */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.filter(p -> !p.equals(root)).toList()) {
                String perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
                byte[] content = Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? Files.readAllBytes(p) : new byte[0];
                if (p.getFileName().toString().equals("whiteouts")) {
                    content = new String(content, StandardCharsets.US_ASCII).replaceAll("(?m)^(dir \\S+ \\S+ \\S+) \\S+ \\S+ ",
                            "$1 - - ").replaceAll("(?m)^end .*$", "end").getBytes(StandardCharsets.US_ASCII);
                }
                String what = Files.isSymbolicLink(p) ? "link " + Files.readSymbolicLink(p)
                        : Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? "dir " + perms
                        : "file " + perms + " " + HexFormat.of().formatHex(OciLayout.sha256().digest(content));
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }
}
