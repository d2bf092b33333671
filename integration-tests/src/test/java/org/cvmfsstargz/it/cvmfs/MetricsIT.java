package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.TestNode.REPOSITORY;
import static org.cvmfsstargz.it.support.TestNode.layer;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /metrics} after an end-to-end run: an image whose base layer is on CVMFS and whose top
 * layer is not, pulled with {@code ctr-remote image rpull} and run, then one scrape. Every metric
 * {@code docs/metrics.md} lists as available now is in it, with values the run explains. The
 * directory standing in for the repository carries the extended attributes a CVMFS client would
 * show, so the repository statistics appear too.
 */
@Timeout(180)
class MetricsIT {
    private static final Path DOC = Path.of("..", "docs", "metrics.md");
    /** Where docs/metrics.md lists the metrics that do not exist yet; nothing after it is expected. */
    private static final String NOT_YET = "## Not exported yet";
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
        int port = freeLoopbackPort();
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

        Map<String, Double> samples = scrape(port);
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
        assertThat(samples).containsEntry(decisions + "{reason=\"provided\",source=\"cvmfs\"}", 1.0)
                .containsEntry(decisions + "{reason=\"not_published\",source=\"pull\"}", 1.0)
                .containsEntry("cvmfs_stargz_cvmfs_repository_unavailable_total" + repository, 0.0)
                .containsEntry("cvmfs_stargz_cvmfs_repository_up" + repository, 1.0)
                .containsEntry("cvmfs_stargz_cvmfs_revision" + repository, 17.0)
                .containsEntry("cvmfs_stargz_cvmfs_received_bytes_total" + repository, 2048.0 * 1024)
                .containsEntry("cvmfs_stargz_cvmfs_proxy_info{proxy=\"http://squid.example:3128\",repository=\""
                        + REPOSITORY + "\"}", 1.0);
        // The base layer's Prepare is claimed (ALREADY_EXISTS); the top layer's and the container's are not.
        assertThat(samples.get("cvmfs_stargz_rpc_seconds_count{code=\"ALREADY_EXISTS\",method=\"Prepare\"}"))
                .isEqualTo(1.0);
        for (String method : List.of("Prepare", "Commit", "Mounts")) {
            assertThat(samples.get("cvmfs_stargz_rpc_seconds_count{code=\"OK\",method=\"" + method + "\"}"))
                    .as("OK %s calls", method).isNotNull().isGreaterThan(0);
        }
        assertThat(samples.entrySet()).as("heap in use")
                .anyMatch(e -> e.getKey().startsWith("jvm_memory_used_bytes{area=\"heap\"") && e.getValue() > 0);
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** What a CVMFS client shows as {@code user.*} extended attributes of a repository root. */
    private static void setCvmfsAttributes(Path root, Map<String, String> values) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(root, UserDefinedFileAttributeView.class);
        for (Map.Entry<String, String> e : values.entrySet()) {
            view.write(e.getKey(), ByteBuffer.wrap(e.getValue().getBytes(StandardCharsets.UTF_8)));
        }
    }

    /** Every sample of one scrape, by series ({@code name{labels}}), with its value. */
    private static Map<String, Double> scrape(int port) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Map<String, Double> samples = new LinkedHashMap<>();
            response.body().lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(line -> {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            });
            return samples;
        }
    }

    private static String sampleName(String series) {
        int brace = series.indexOf('{');
        return brace < 0 ? series : series.substring(0, brace);
    }

    /** The daemon's own metric names in the tables of docs/metrics.md, up to the not-yet section. */
    private static List<String> documentedNames() throws IOException {
        String doc = Files.readString(DOC);
        int end = doc.indexOf(NOT_YET);
        assertThat(end).as("%s has a section %s", DOC, NOT_YET).isPositive();
        Matcher row = Pattern.compile("(?m)^\\| `(cvmfs_stargz_[a-z0-9_]+)`").matcher(doc.substring(0, end));
        List<String> names = new ArrayList<>();
        while (row.find()) {
            names.add(row.group(1));
        }
        assertThat(names).as("metric rows in %s", DOC).hasSizeGreaterThan(5);
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
