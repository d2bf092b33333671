package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.TestNode.REPOSITORY;
import static org.cvmfsstargz.it.support.TestNode.layer;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cvmfsstargz.it.estargz.EstargzImage;
import org.cvmfsstargz.it.estargz.EstargzImages;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.MetricsEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} after an end-to-end run: an image whose base layer is on CVMFS and whose top
 * layer is not, then an eStargz image (converted by {@code ctr-remote}), each pulled with {@code
 * ctr-remote image rpull} and run, then one scrape. Every metric {@code docs/metrics.md} lists is
 * in it, with values the run explains. The directory standing in for the repository carries the
 * extended attributes a CVMFS client would show, so the repository statistics appear too.
 */
@Timeout(300)
class MetricsIT {
    private static final Path DOC = Path.of("..", "docs", "metrics.md");
    private static final String LAZY_FILE = "/data/lazy.txt";
    private static final String LAZY_CONTENT = "read through FUSE, fetched on demand\n";
    /** JVM metrics from Micrometer's binders that a scrape always has. */
    private static final List<String> JVM = List.of("jvm_memory_used_bytes", "jvm_memory_committed_bytes",
            "jvm_memory_max_bytes", "jvm_threads_live_threads", "jvm_threads_states_threads",
            "process_cpu_usage", "process_uptime_seconds", "system_cpu_count");

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
    void metricsAfterAPullAndARunHoldEveryDocumentedMetricWithValuesTheRunExplains() throws Exception {
        int port = MetricsEndpoint.freePort();
        node = TestNode.start(tmp, "\n[metrics]\naddress = \"127.0.0.1:" + port + "\"\n", List.of(REPOSITORY));
        Image image = OciImageBuilder.image(node.imageName("it/metrics:1"))
                .layer(Layer.busyboxBase())
                .layer(layer().file("etc/top.txt", "pulled, not on cvmfs\n"))
                .writeArchive(tmp.resolve("metrics.tar"));
        node.ingest(image, REPOSITORY);
        deleteTree(node.layerDir(REPOSITORY, image.layerDigests().getLast()));
        Path root = node.cvmfs().resolve(REPOSITORY);
        setCvmfsAttributes(root, Map.of("revision", "17", "nclg", "3", "nioerr", "0", "rx", "2048", "speed", "512",
                "proxy", "http://squid.example:3128", "host", "http://s1.example/cvmfs/" + REPOSITORY,
                "version", "2.13.2.0", "usedfd", "4"));
        node.publish(image);

        node.rpull(image);
        assertThat(node.run(SNAPSHOTTER, image, "cat", "/etc/top.txt")).isEqualTo("pulled, not on cvmfs\n");
        EstargzImage lazy = EstargzImages.publish(node.containerd(), node.proxy().hostPort(),
                OciImageBuilder.image(node.imageName("it/metrics-source:1")).layer(Layer.busyboxBase())
                        .layer(layer().file(LAZY_FILE.substring(1), LAZY_CONTENT))
                        .writeArchive(tmp.resolve("lazy.tar")), "it/metrics-lazy", OptionalInt.empty());
        node.proxy().reset();
        node.rpull(lazy.esgzReference());
        assertThat(node.run(SNAPSHOTTER, lazy.esgzReference(), "cat", LAZY_FILE)).isEqualTo(LAZY_CONTENT);

        Map<String, Double> samples = MetricsEndpoint.scrape(port);
        for (String name : documentedNames()) {
            assertThat(samples.keySet()).as("a sample of %s, documented in %s", name, DOC)
                    .anyMatch(series -> sampleName(series).equals(name)
                            || sampleName(series).matches(Pattern.quote(name) + "_(count|sum|bucket|max)"));
        }
        for (String name : JVM) {
            assertThat(Files.readString(DOC)).as("%s documents %s", DOC, name).contains("`" + name + "`");
            assertThat(samples.keySet()).as("a sample of %s", name).anyMatch(s -> sampleName(s).equals(name));
        }

        String repository = "{repository=\"" + REPOSITORY + "\"}";
        String decisions = "cvmfs_stargz_layer_decisions_total";
        int lazyLayers = lazy.layers().size();
        assertThat(samples).containsEntry(decisions + "{reason=\"provided\",source=\"cvmfs\"}", 1.0)
                .containsEntry(decisions + "{reason=\"provided\",source=\"estargz\"}", (double) lazyLayers)
                .containsEntry(decisions + "{reason=\"not_published\",source=\"pull\"}", 1.0)
                .containsEntry("cvmfs_stargz_cvmfs_repository_unavailable_total" + repository, 0.0)
                .containsEntry("cvmfs_stargz_cvmfs_repository_up" + repository, 1.0)
                .containsEntry("cvmfs_stargz_cvmfs_revision" + repository, 17.0)
                .containsEntry("cvmfs_stargz_cvmfs_received_bytes_total" + repository, 2048.0 * 1024)
                .containsEntry("cvmfs_stargz_cvmfs_proxy_info{proxy=\"http://squid.example:3128\",repository=\""
                        + REPOSITORY + "\"}", 1.0);
        // The CVMFS base layer's and the eStargz layers' Prepares are claimed (ALREADY_EXISTS); the others not.
        assertThat(samples.get("cvmfs_stargz_rpc_seconds_count{code=\"ALREADY_EXISTS\",method=\"Prepare\"}"))
                .isEqualTo(1.0 + lazyLayers);
        for (String method : List.of("Prepare", "Commit", "Mounts")) {
            assertThat(samples.get("cvmfs_stargz_rpc_seconds_count{code=\"OK\",method=\"" + method + "\"}"))
                    .as("OK %s calls", method).isNotNull().isGreaterThan(0);
        }
        assertThat(samples.entrySet()).as("heap in use")
                .anyMatch(e -> e.getKey().startsWith("jvm_memory_used_bytes{area=\"heap\"") && e.getValue() > 0);
        assertEstargzSamples(samples, lazy);
    }

    /** The eStargz image's layers are mounted, its TOCs and the files cat and busybox read were fetched and served. */
    private void assertEstargzSamples(Map<String, Double> samples, EstargzImage lazy) {
        assertThat(samples).containsEntry("cvmfs_stargz_estargz_mounted_layers", (double) lazy.layers().size())
                .containsEntry("cvmfs_stargz_fuse_operation_errors_total{operation=\"read\"}", 0.0)
                .containsEntry("cvmfs_stargz_chunk_verification_failures_total", 0.0)
                .containsEntry("cvmfs_stargz_registry_fetch_failures_total{purpose=\"on_demand\"}", 0.0)
                .containsEntry("cvmfs_stargz_registry_fetched_bytes_total{purpose=\"background\"}", 0.0);
        assertThat(samples.get("cvmfs_stargz_fuse_operation_seconds_count{operation=\"read\"}")).as("FUSE reads")
                .isPositive();
        assertThat(samples.get("cvmfs_stargz_fuse_operation_seconds_count{operation=\"getattr\"}"))
                .as("FUSE getattrs").isPositive();
        double served = sum(samples, "cvmfs_stargz_fuse_served_bytes_total");
        assertThat(served).as("bytes served through FUSE").isGreaterThanOrEqualTo(LAZY_CONTENT.length());
        assertThat(samples.get("cvmfs_stargz_fuse_served_bytes_total{from=\"registry\"}"))
                .as("bytes of reads that waited for the registry").isPositive();
        assertThat(samples.get("cvmfs_stargz_registry_fetch_seconds_count{purpose=\"toc\"}")).as("TOC reads")
                .isGreaterThanOrEqualTo(lazy.layers().size());
        assertThat(samples.get("cvmfs_stargz_registry_fetched_bytes_total{purpose=\"toc\"}")).isPositive();
        assertThat(samples.get("cvmfs_stargz_registry_fetched_bytes_total{purpose=\"on_demand\"}")).isPositive();
        assertThat(samples.get("cvmfs_stargz_registry_fetched_ranges_total{purpose=\"on_demand\"}")).isPositive();
        long proxied = lazy.layers().stream().mapToLong(l -> node.proxy().blobBytes(l.estargz().digest().value()))
                .sum();
        System.out.printf("eStargz pull and cat: %,.0f bytes fetched (TOC %,.0f, on demand %,.0f; the proxy relayed"
                + " %,d), %,.0f served through FUSE in %,.0f reads%n", sum(samples,
                "cvmfs_stargz_registry_fetched_bytes_total"), samples.get(
                "cvmfs_stargz_registry_fetched_bytes_total{purpose=\"toc\"}"), samples.get(
                "cvmfs_stargz_registry_fetched_bytes_total{purpose=\"on_demand\"}"), proxied, served,
                samples.get("cvmfs_stargz_fuse_operation_seconds_count{operation=\"read\"}"));
        assertThat(sum(samples, "cvmfs_stargz_registry_fetched_bytes_total")).as("bytes fetched, of %s the proxy"
                + " relayed for the eStargz layers (multipart framing included)", proxied)
                .isPositive().isLessThanOrEqualTo(proxied);
        assertThat(samples.get("cvmfs_stargz_cache_size_bytes{tier=\"memory\"}"))
                .as("the memory tier keeps only what the disk did not take").isZero();
        assertThat(samples.get("cvmfs_stargz_cache_size_bytes{tier=\"disk\"}")).isPositive();
        assertThat(samples.get("cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"disk\"}"))
                .as("chunks that had to be fetched").isPositive();
        assertThat(samples.get("cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"memory\"}"))
                .isGreaterThanOrEqualTo(samples.get("cvmfs_stargz_cache_requests_total{result=\"miss\",tier=\"disk\"}"));
    }

    /** The sum of every series of {@code name}. */
    private static double sum(Map<String, Double> samples, String name) {
        return samples.entrySet().stream().filter(e -> sampleName(e.getKey()).equals(name))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** What a CVMFS client shows as {@code user.*} extended attributes of a repository root. */
    private static void setCvmfsAttributes(Path root, Map<String, String> values) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(root, UserDefinedFileAttributeView.class);
        for (Map.Entry<String, String> e : values.entrySet()) {
            view.write(e.getKey(), ByteBuffer.wrap(e.getValue().getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String sampleName(String series) {
        int brace = series.indexOf('{');
        return brace < 0 ? series : series.substring(0, brace);
    }

    /** The daemon's own metric names in the tables of docs/metrics.md. */
    private static List<String> documentedNames() throws IOException {
        Matcher row = Pattern.compile("(?m)^\\| `(cvmfs_stargz_[a-z0-9_]+)`").matcher(Files.readString(DOC));
        List<String> names = new ArrayList<>();
        while (row.find()) {
            names.add(row.group(1));
        }
        assertThat(names).as("metric rows in %s", DOC).hasSizeGreaterThan(20);
        return names;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
