package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.ProxyFaults;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eStargz layers end to end: an image built here ({@link EstargzTestImage}: thousands of files, a
 * file of many chunks, hard links, symbolic links, xattrs, a whiteout, an opaque directory),
 * converted by Debian's {@code ctr-remote} and pushed to a real registry behind a counting proxy,
 * pulled into our snapshotter by a real containerd, and run with runc. Every layer must be a
 * remote snapshot mounted through FUSE, no layer blob may be fetched whole, and the container must
 * see exactly what a normal pull of the unconverted image shows.
 */
class EstargzEndToEndIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    private static final String ESTARGZ = "estargz";
    private static final String NO_CVMFS = "enabled = false\n";

    @TempDir
    Path tmp;

    private TestNode node;

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    private EstargzImage publish(String repository) throws Exception {
        EstargzTestImage image = EstargzTestImage.write(tmp.resolve("image.tar"), "it/source:1");
        EstargzImage published = EstargzImages.publish(node.containerd(), node.proxy().hostPort(), image.image(),
                repository, OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        node.proxy().reset();
        return published;
    }

    @Test
    void rpullMountsEveryLayerLazilyAndReadingOneSmallFileFetchesLittleOfTheImage() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/lazy");

        node.rpull(image.esgzReference());

        assertThat(remoteSources()).as("source of each committed snapshot").hasSize(image.layers().size())
                .containsOnly(ESTARGZ);
        assertPulledLazily(image);
        long imageBytes = image.layers().stream().mapToLong(l -> l.estargz().size()).sum();

        String hello = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/cat", EstargzTestImage.HELLO);

        assertThat(hello).isEqualTo(EstargzTestImage.HELLO_CONTENT);
        EstargzImage.ConvertedLayer files = image.layers().get(1); // thousands of files, /data/hello.txt among them
        long servedOfFiles = node.proxy().blobBytes(files.estargz().digest().value());
        long served = node.proxy().totalBlobBytes();
        System.out.printf("pull and cat of one file: %,d of %,d image bytes (%.1f %%); %,d of the %,d-byte layer"
                + " holding the file (its TOC and the file's chunk)%n", served, imageBytes, 100.0 * served / imageBytes,
                servedOfFiles, files.estargz().size());
        assertThat(servedOfFiles).as("bytes of the layer holding the file").isLessThan(files.estargz().size() / 20);
        // cat itself is busybox, the whole base layer's content; the rest is TOCs and one small chunk.
        assertThat(served).as("all blob bytes served for pull and run").isLessThan(imageBytes / 6);
    }

    @Test
    void eachLayersTailIsReadOnceWithASuffixRangeNoHeadAndTheLaterTocsAreFetchedAhead() throws Exception {
        int metricsPort = freeLoopbackPort();
        node = TestNode.start(tmp, NO_CVMFS + "\n[metrics]\naddress = \"127.0.0.1:" + metricsPort + "\"\n", List.of());
        node.containerd().awaitSnapshotterReconnected(Duration.ofSeconds(30));
        EstargzImage image = publish("it/requests");

        node.rpull(image.esgzReference());

        assertThat(remoteSources()).hasSize(image.layers().size()).containsOnly(ESTARGZ);
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            List<CountingProxy.BlobRequest> requests = node.proxy().blobRequests(layer.estargz().digest().value());
            String all = String.join("\n", node.proxy().requests());
            assertThat(requests).as("requests for layer %s:\n%s", layer.estargz().digest(), all)
                    .noneMatch(r -> r.method().equals("HEAD"))
                    .allMatch(r -> r.method().equals("GET") && r.status() == 206 && r.range().isPresent())
                    .hasSizeBetween(1, 2);
            assertThat(requests).as("suffix reads of layer %s:\n%s", layer.estargz().digest(), all)
                    .filteredOn(r -> r.range().get().startsWith("bytes=-")).hasSize(1);
        }
        assertPulledLazily(image);
        Map<String, Double> prefetches = samples(metricsPort, "cvmfs_stargz_estargz_toc_prefetches_total");
        assertThat(prefetches).as("TOCs fetched ahead, by outcome")
                .containsEntry("{outcome=\"used\"}", (double) image.layers().size() - 1)
                .containsEntry("{outcome=\"mismatched\"}", 0.0).containsEntry("{outcome=\"failed\"}", 0.0);
        assertThat(node.run(SNAPSHOTTER, image.esgzReference(), "/bin/cat", EstargzTestImage.HELLO))
                .isEqualTo(EstargzTestImage.HELLO_CONTENT);
    }

    @Test
    void aRegistryAnsweringSuffixRangesWithWholeBlobsIsReadLazilyAfterAHead() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        node.containerd().awaitSnapshotterReconnected(Duration.ofSeconds(30));
        EstargzImage image = publish("it/no-suffix");
        node.proxy().faults().ignoreSuffixRange(true);

        node.rpull(image.esgzReference());

        assertThat(remoteSources()).hasSize(image.layers().size()).containsOnly(ESTARGZ);
        assertThat(node.proxy().faults().applied(ProxyFaults.Kind.IGNORED_SUFFIX_RANGE)).isPositive();
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            long size = layer.estargz().size();
            List<CountingProxy.BlobRequest> requests = node.proxy().blobRequests(layer.estargz().digest().value());
            String all = String.join("\n", node.proxy().requests());
            if (size > (64 << 10)) { // a smaller layer's whole answer is its tail: no HEAD needed
                assertThat(requests).as("requests for layer %s of %d bytes:\n%s", layer.estargz().digest(), size, all)
                        .anyMatch(r -> r.method().equals("HEAD"));
            }
            assertThat(requests).as("requests for layer %s of %d bytes:\n%s", layer.estargz().digest(), size, all)
                    .filteredOn(r -> r.status() == 200).allSatisfy(whole -> assertThat(whole.bodyBytes())
                            .as("bytes of a whole-blob answer relayed before the daemon dropped it")
                            .isLessThan(size < (4 << 20) ? size + 1 : size / 2));
        }
        assertThat(node.run(SNAPSHOTTER, image.esgzReference(), "/bin/cat", EstargzTestImage.HELLO))
                .isEqualTo(EstargzTestImage.HELLO_CONTENT);
        EstargzImage.ConvertedLayer middle = image.layers().get(1);
        assertThat(node.proxy().blobBytes(middle.estargz().digest().value())).as("bytes of the %d-byte layer"
                + " holding the file", middle.estargz().size()).isLessThan(middle.estargz().size() / 2);
    }

    @Test
    void theContainerSeesTheSameTreeAsAfterANormalPullOfTheUnconvertedImage() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/tree");
        node.rpull(image.esgzReference());
        String lazy = node.tree(SNAPSHOTTER, image.esgzReference());
        node.pullNormally(image.plainReference());
        String normal = node.tree("overlayfs", image.plainReference());

        assertThat(lazy).isEqualTo(normal);
        assertThat(lazy).contains(EstargzTestImage.BIG + "|regular file").contains(EstargzTestImage.HELLO_HARDLINK)
                .doesNotContain(EstargzTestImage.WHITED_OUT + "|").doesNotContain(".prefetch.landmark");
        Path fromFuse = findInSnapshots(node.daemon().root(), EstargzTestImage.XATTR_FILE);
        Path fromOverlay = findInSnapshots(tmp.resolve("containerd/root/io.containerd.snapshotter.v1.overlayfs"),
                EstargzTestImage.XATTR_FILE);
        assertThat(xattr(fromFuse, EstargzTestImage.XATTR_NAME)).isEqualTo(EstargzTestImage.XATTR_VALUE.getBytes())
                .isEqualTo(xattr(fromOverlay, EstargzTestImage.XATTR_NAME));
        assertThat(xattr(fromFuse, EstargzTestImage.BINARY_XATTR_NAME)).isEqualTo(EstargzTestImage.binaryXattrValue());
    }

    @Test
    void theKubernetesPathPullsThroughCriLazily() throws Exception {
        node = TestNode.startWithCri(tmp, List.of());
        EstargzImage image = publish("it/cri");

        try (CriImageClient cri = CriImageClient.connect(node.containerd().address())) {
            cri.pull(image.esgzReference());
        }
        assertPulledLazily(image);

        assertThat(remoteSources()).hasSize(image.layers().size()).containsOnly(ESTARGZ);
        assertThat(node.daemon().list()).filteredOn(i -> i.getKind() == Kind.COMMITTED).allSatisfy(info ->
                assertThat(info.getLabelsMap()).containsKey("containerd.io/snapshot/cri.layer-digest")
                        .containsKey("containerd.io/snapshot/cri.image-layers")
                        .containsKey(EstargzImage.TOC_DIGEST));
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            assertThat(node.proxy().blobRequests(layer.estargz().digest().value()))
                    .as("tail reads of layer %s (fetched ahead or by its Prepare, once)", layer.estargz().digest())
                    .filteredOn(r -> r.range().filter(range -> range.startsWith("bytes=-")).isPresent()).hasSize(1);
        }
        assertThat(node.containerd().runAndRemoveIn(CriImageClient.NAMESPACE, image.esgzReference(), "cri-run",
                "/bin/cat", EstargzTestImage.HELLO)).isEqualTo(EstargzTestImage.HELLO_CONTENT);
    }

    @Test
    void afterARestartTheLayersAreMountedAgainAndNewContainersRun() throws Exception {
        node = TestNode.start(tmp, NO_CVMFS, List.of());
        EstargzImage image = publish("it/restart");
        node.rpull(image.esgzReference());
        ContainerdProcess.BackgroundCtr running = node.containerd().startCtr("run", "--snapshotter", SNAPSHOTTER,
                "--fifo-dir", tmp.resolve("containerd/fifo").toString(), "--runc-root",
                tmp.resolve("containerd/runc").toString(), image.esgzReference(), "long-running",
                "/bin/sh", "-c", "cat " + EstargzTestImage.HELLO + "; sleep 600");
        awaitOutput(running, EstargzTestImage.HELLO_CONTENT);

        node.restartDaemon();

        String big = node.run(SNAPSHOTTER, image.esgzReference(), "/bin/sh", "-c",
                "sha256sum " + EstargzTestImage.BIG + " | cut -d' ' -f1");
        assertThat("sha256:" + big.strip()).isEqualTo(EstargzTestImage.write(tmp.resolve("again.tar"), "x:1")
                .fileDigests().get(EstargzTestImage.BIG));
        node.containerd().ctrOk("tasks", "kill", "--signal", "SIGKILL", "long-running");
        running.await(Duration.ofSeconds(30));
        node.containerd().ctrOk("containers", "rm", "long-running");
    }

    /**
     * No layer was fetched whole: the pull read each layer's tail (footer and TOC) only. A layer
     * smaller than the tail the reader fetches first ({@code TocFetcher}, 64 KiB) is its own TOC.
     */
    private void assertPulledLazily(EstargzImage image) {
        assertPulledLazily(node, image);
    }

    /** As {@link #assertPulledLazily(EstargzImage)}, on {@code node}'s counting proxy. */
    static void assertPulledLazily(TestNode node, EstargzImage image) {
        for (EstargzImage.ConvertedLayer layer : image.layers()) {
            long size = layer.estargz().size();
            assertThat(node.proxy().blobBytes(layer.estargz().digest().value()))
                    .as("bytes of layer %s served by the pull (of %s); requests:\n%s", layer.estargz().digest(), size,
                            String.join("\n", node.proxy().requests()))
                    .isLessThanOrEqualTo(size < (128 << 10) ? size : size / 2);
        }
    }

    private static int freeLoopbackPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The daemon's samples of {@code metric}, by their labels ({@code {a="b"}}), scraped from its endpoint. */
    private static Map<String, Double> samples(int port, String metric) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                    + "/metrics")).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Map<String, Double> samples = new LinkedHashMap<>();
            response.body().lines().filter(l -> l.startsWith(metric + "{")).forEach(line -> {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(metric.length(), space), Double.parseDouble(line.substring(space + 1)));
            });
            return samples;
        }
    }

    private static void awaitOutput(ContainerdProcess.BackgroundCtr ctr, String expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.readString(ctr.out()).contains(expected)) {
            if (!ctr.process().isAlive() || System.nanoTime() > deadline) {
                throw new AssertionError("the container did not print " + expected + ": "
                        + Files.readString(ctr.out()) + Files.readString(ctr.err()));
            }
            Thread.sleep(100);
        }
    }

    private List<String> remoteSources() {
        return remoteSources(node);
    }

    /** The source label of each committed snapshot of {@code node}'s daemon. */
    static List<String> remoteSources(TestNode node) {
        return node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                .map(i -> i.getLabelsOrDefault(SOURCE_LABEL, "")).toList();
    }

    /** The copy of {@code path} in whichever snapshot under {@code snapshotterRoot} has it. */
    private static Path findInSnapshots(Path snapshotterRoot, String path) throws Exception {
        try (Stream<Path> snapshots = Files.list(snapshotterRoot.resolve("snapshots"))) {
            return snapshots.map(s -> s.resolve("fs").resolve(path.substring(1))).filter(Files::exists).findFirst()
                    .orElseThrow(() -> new AssertionError(path + " is in no snapshot under " + snapshotterRoot));
        }
    }

    private static byte[] xattr(Path file, String name) throws Exception {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        String unprefixed = name.substring("user.".length());
        ByteBuffer buffer = ByteBuffer.allocate(view.size(unprefixed));
        view.read(unprefixed, buffer);
        return buffer.array();
    }
}
