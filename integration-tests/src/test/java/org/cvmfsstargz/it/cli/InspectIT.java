package org.cvmfsstargz.it.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.cvmfsstargz.it.estargz.EstargzImage;
import org.cvmfsstargz.it.estargz.EstargzImages;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.it.support.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inspect} against a loopback registry holding an image built here and its eStargz
 * conversion by Debian's {@code ctr-remote} ({@link EstargzImages}), with a directory standing in
 * for a CVMFS repository: the converted layers would be served by eStargz with TOCs whose figures
 * are the layer's own, the plain layers pulled, and once {@code ingest} has published the plain
 * image, served from CVMFS.
 */
@Timeout(240)
class InspectIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String REPOSITORY = "unpacked.test";
    private static final int CHUNK_SIZE = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static RegistryProcess registry;
    private static ContainerdProcess containerd;
    private static Image image;
    private static EstargzImage published;
    private static Path config;

    @BeforeAll
    static void publish() throws Exception {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        // No snapshotter: converting uses only the content store.
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), tmp.resolve("no-snapshotter.sock"));
        image = OciImageBuilder.image(registry.hostPort() + "/it/inspect:" + EstargzImages.PLAIN_TAG)
                .layer(new Layer().file("base.txt", "base\n"))
                // 3 files (etc/a, etc/b, data/big), 3 directories (etc, data, empty), a symlink, a hard link.
                .layer(new Layer().file("etc/a", "alpha\n").file("etc/b", "bravo!\n")
                        .file("data/big", Layer.randomBytes(3, 3 * CHUNK_SIZE), 0644).dir("empty", 0755)
                        .symlink("etc/link", "a").hardlink("etc/hard", "etc/a"))
                .writeArchive(tmp.resolve("image.tar"));
        published = EstargzImages.publish(containerd, registry, image, "it/inspect", OptionalInt.of(CHUNK_SIZE));
        Files.createDirectories(tmp.resolve("cvmfs").resolve(REPOSITORY).resolve(".layers"));
        config = tmp.resolve("snapshotter.toml");
        Files.writeString(config, "[cvmfs]\nmountpoint = \"" + tmp.resolve("cvmfs") + "\"\nrepositories = [\""
                + REPOSITORY + "\"]\n" + DaemonProcess.METRICS_OFF);
    }

    @AfterAll
    static void stopEverything() {
        Teardown.stop(tmp, containerd, null, registry);
    }

    @Test
    void convertedLayersWouldBeServedLazilyWithTheirTocsInFigures() throws Exception {
        JsonNode report = inspectJson(published.esgzReference());

        assertThat(report.path("manifest").asText()).isEqualTo(published.esgzManifest().digest().value());
        JsonNode layers = report.path("layers");
        assertThat(layers).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode layer = layers.get(i);
            assertThat(layer.path("digest").asText()).isEqualTo(published.layers().get(i).estargz().digest().value());
            assertThat(layer.path("size").asLong()).isEqualTo(published.layers().get(i).estargz().size());
            assertThat(layer.path("source").asText()).as(layer.toString()).isEqualTo("estargz");
            assertThat(layer.path("reason").asText()).isEqualTo("provided");
            assertThat(layer.path("declined").get(0).path("source").asText()).isEqualTo("cvmfs");
            assertThat(layer.path("declined").get(0).path("reason").asText()).isEqualTo("not_published");
            assertThat(layer.path("toc").path("landmark").asText()).as("ctr-remote convert marks no file to prefetch")
                    .isEqualTo(".no.prefetch.landmark");
            assertThat(layer.path("toc").has("prioritized_bytes")).isFalse();
        }
        JsonNode toc = layers.get(1).path("toc");
        assertThat(List.of("files", "dirs", "symlinks", "hard_links", "others").stream()
                .map(k -> toc.path(k).asLong()).toList()).as(toc.toString()).containsExactly(3L, 3L, 1L, 1L, 0L);
        assertThat(toc.path("chunks").asLong()).as("one each for a and b, three for big").isEqualTo(5);
        assertThat(toc.path("uncompressed_bytes").asLong()).isEqualTo("alpha\n".length() + "bravo!\n".length()
                + 3 * CHUNK_SIZE);
        assertThat(toc.path("toc_json_bytes").asLong()).isGreaterThan(toc.path("toc_compressed_bytes").asLong())
                .isPositive();
        assertThat(layers.get(0).path("toc").path("files").asLong()).isEqualTo(1);
    }

    @Test
    void plainLayersWouldBePulledAndOnceIngestedServedFromCvmfs() throws Exception {
        JsonNode before = inspectJson(published.plainReference());
        for (JsonNode layer : before.path("layers")) {
            assertThat(layer.path("source").asText()).as(layer.toString()).isEqualTo("pull");
            assertThat(layer.path("reason").asText()).isEqualTo("not_published");
            assertThat(layer.path("declined").findValuesAsText("reason")).containsExactly("not_published",
                    "not_estargz");
        }

        TestNode.ingestInto(image, tmp.resolve("cvmfs").resolve(REPOSITORY));
        DaemonProcess.Exit text = inspect(published.plainReference(), List.of());

        assertThat(text.code()).as(text.output()).isZero();
        List<String> sources = text.output().lines().filter(l -> l.startsWith("  source: ")).toList();
        assertThat(sources).containsExactly("  source: cvmfs", "  source: cvmfs");
        for (String digest : image.layerDigests()) {
            assertThat(text.output()).contains("layer " + digest + "\n").contains("  layer dir: " + tmp.resolve("cvmfs")
                    .resolve(REPOSITORY).resolve(".layers").resolve(digest.substring(7, 9)).resolve(digest.substring(7))
                    .resolve("layerfs"));
        }
    }

    @Test
    void oneLayerIsInspectedAloneAndALayerNotInTheImageIsAnError() throws Exception {
        String second = published.layers().get(1).estargz().digest().value();
        JsonNode one = inspectJson(published.esgzReference(), "--layer", second);
        assertThat(one.path("layers")).hasSize(1);
        assertThat(one.path("layers").get(0).path("digest").asText()).isEqualTo(second);

        String absent = "sha256:" + "0".repeat(64);
        DaemonProcess.Exit exit = inspect(published.esgzReference(), List.of("--layer", absent));
        assertThat(exit.code()).as(exit.output()).isEqualTo(1);
        assertThat(exit.output()).contains("layer " + absent + " is not in ");

        DaemonProcess.Exit usage = inspect(published.esgzReference(), List.of("--layer", "not-a-digest"));
        assertThat(usage.code()).as(usage.output()).isEqualTo(2);
    }

    private static JsonNode inspectJson(String reference, String... extra) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("--json"));
        args.addAll(List.of(extra));
        DaemonProcess.Exit exit = inspect(reference, args);
        assertThat(exit.code()).as(exit.output()).isZero();
        // Log lines (stderr, merged here) may come first; the document starts on a line of its own.
        List<String> lines = exit.output().lines().toList();
        int start = lines.indexOf("{");
        int end = lines.lastIndexOf("}");
        assertThat(start).as(exit.output()).isNotNegative().isLessThan(end);
        return JSON.readTree(String.join("\n", lines.subList(start, end + 1)));
    }

    private static DaemonProcess.Exit inspect(String reference, List<String> extra)
            throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of("inspect", "--ref", reference, "--config", config.toString()));
        args.addAll(extra);
        return DaemonProcess.run(TIMEOUT, args);
    }
}
