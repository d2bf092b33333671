package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.BIG;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.BIG_SIZE;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.HELLO;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.HELLO_CONTENT;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.ONE_CHUNK;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.REPLACED;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.REPLACED_CONTENT;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.TOP;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.TOP_CONTENT;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.cvmfsstargz.it.estargz.EstargzImage.ConvertedLayer;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.ProxyFaults;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eStargz layers from a misbehaving registry. {@link EstargzTestImage} (base, middle with the big
 * file, top) is converted and pushed once; each test starts a node as {@link EstargzEndToEndIT}
 * does, whose registry holds that image, switches on one {@link ProxyFaults} fault in the proxy in
 * front of the registry, then pulls with {@code ctr-remote} and runs with runc. A fault the
 * registry client can ride out (a cut body, 500s, slow answers, a registry ignoring {@code Range})
 * must leave every layer remote and the container reading the right bytes; a chunk whose bytes do
 * not match its digest must reach neither the container (EIO) nor the cache; a layer whose footer
 * or TOC does not verify is pulled normally (its whole-blob GET passes the proxy unaltered) while
 * the others stay remote.
 *
 * <p>The daemon retries fast (4 attempts from 250 ms within {@code retry_deadline_ms}) and serves
 * metrics on a free port, where the tests read its layer decisions.
 */
class EstargzFaultsIT {
    private static final String REPOSITORY = "it/faults";
    private static final String ESTARGZ = "estargz";
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    private static final String DECISIONS = "cvmfs_stargz_layer_decisions_total";
    /** Where {@code STARGZ} starts in an eStargz footer: gzip header 10, XLEN 2, 'S' 'G' LEN 4, 16 hex digits. */
    private static final int FOOTER_MAGIC = 32;

    /** Holds the image's archive and the registry storage every test starts from. */
    @TempDir
    static Path published;

    private static EstargzTestImage testImage;
    private static EstargzImage publishedImage;

    @TempDir
    Path tmp;

    private TestNode node;
    private int metricsPort;
    /** The converted image, named after this test's proxy. */
    private String reference;

    @BeforeAll
    static void convertAndPushOnce() throws Exception {
        testImage = EstargzTestImage.write(published.resolve("image.tar"), "it/source:1");
        RegistryProcess registry = RegistryProcess.start(published.resolve("registry"));
        ContainerdProcess containerd = null;
        try {
            containerd = ContainerdProcess.start(published.resolve("containerd"), published.resolve("none.sock"));
            publishedImage = EstargzImages.publish(containerd, registry, testImage.image(), REPOSITORY,
                    OptionalInt.of(EstargzTestImage.CHUNK_SIZE));
        } finally {
            Teardown.stop(published, containerd, null, registry);
        }
    }

    @AfterEach
    void stopEverything() {
        if (node != null) {
            node.close();
        }
    }

    @Test
    void connectionsClosedMidBodyAreReadAgainAndTheContainerGetsTheRightBytes() throws Exception {
        start();

        faults().cutRangedReads(2);
        node.rpull(reference);
        assertSources(ESTARGZ, ESTARGZ, ESTARGZ);
        faults().cutRangedReads(3);

        assertContainerReadsBigAndHello();
        assertThat(faults().applied(ProxyFaults.Kind.CUT)).isEqualTo(5);
    }

    @Test
    void answers500AreRetriedWhilePullingAndWhileReading() throws Exception {
        start();

        faults().failRangedReads(3);
        node.rpull(reference);
        assertSources(ESTARGZ, ESTARGZ, ESTARGZ);
        faults().failRangedReads(3);

        assertContainerReadsBigAndHello();
        assertThat(faults().applied(ProxyFaults.Kind.SERVER_ERROR)).isEqualTo(6);
    }

    /**
     * A registry (or a CDN before it) whose range support fails for good while whole blobs still
     * come: the lazy path gives up within its retries and containerd pulls every layer.
     */
    @Test
    void aRegistryAnswering500ToEveryRangedReadGetsEveryLayerPulledNormally() throws Exception {
        start();

        faults().failRangedReads(Integer.MAX_VALUE);
        node.rpull(reference);

        assertThat(decisions()).containsEntry(decision("pull", "unavailable"), 3.0)
                .doesNotContainKey(decision(ESTARGZ, "provided"));
        assertSources("", "", "");
        assertPulledWhole(publishedImage.layers());
        assertContainerReadsBigAndHello();
    }

    @Test
    void slowAnswersServeTheRightBytesLater() throws Exception {
        start();
        long rate = 4 << 20;
        Duration latency = Duration.ofMillis(300);

        faults().delayAnswers(latency).limitBandwidth(rate);
        long started = System.nanoTime();
        node.rpull(reference);
        Duration pull = Duration.ofNanos(System.nanoTime() - started);
        node.proxy().reset();
        started = System.nanoTime();
        assertContainerReadsBigAndHello();
        Duration read = Duration.ofNanos(System.nanoTime() - started);

        long fetched = node.proxy().totalBlobBytes();
        System.out.printf("EstargzFaultsIT: registry answering after %d ms at %d bytes/s: rpull took %d ms,"
                + " a container reading %s took %d ms (%d blob bytes in %d requests)%n", latency.toMillis(), rate,
                pull.toMillis(), BIG, read.toMillis(), fetched, node.proxy().requests().size());
        assertSources(ESTARGZ, ESTARGZ, ESTARGZ);
        assertThat(fetched).as("blob bytes fetched for the read").isGreaterThanOrEqualTo(BIG_SIZE / 2);
        assertThat(read).as("the read's time: at least its bytes at the rate, plus one latency")
                .isGreaterThanOrEqualTo(latency.plus(Duration.ofNanos(fetched * 1_000_000_000L / rate)));
    }

    @Test
    void aRegistryThatIgnoresRangeStillServesTheRightBytes() throws Exception {
        start();

        faults().ignoreRange(true);
        node.rpull(reference);
        assertSources(ESTARGZ, ESTARGZ, ESTARGZ);

        assertContainerReadsBigAndHello();
        assertThat(faults().applied(ProxyFaults.Kind.IGNORED_RANGE)).isPositive();
        assertThat(node.proxy().requests()).as("answers relayed").noneMatch(line -> line.contains(" 206 "));
    }

    @Test
    void aChunkWhoseBytesDoNotMatchItsDigestIsNeitherServedNorCached() throws Exception {
        start();
        ConvertedLayer middle = publishedImage.layers().get(1);
        Chunk chunk;
        try (RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
            Toc toc = tocSection(client, middle).read(middle);
            chunk = toc.chunks(toc.lookup(EstargzTestImage.tarPath(BIG)).orElseThrow().inode()).get(5);
        }
        node.rpull(reference);

        faults().flipBit(middle.estargz().digest().value(), chunk.offset() + chunk.compressedLength() / 2);
        String out = node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "cat " + BIG + " 2>&1 >/dev/null;"
                + " echo rc=$?; sha256sum " + ONE_CHUNK + "; cat " + HELLO);

        assertThat(faults().applied(ProxyFaults.Kind.FLIPPED_BIT)).isPositive();
        assertThat(out).isEqualTo("cat: read error: Input/output error\nrc=1\n" + hex(ONE_CHUNK) + "  " + ONE_CHUNK
                + "\n" + HELLO_CONTENT);
        assertThat(node.daemon().logText()).as("the daemon's warning").contains("reading " + BIG);
        faults().clear();
        assertContainerReadsBigAndHello();
    }

    @Test
    void aLayerWithAMalformedFooterIsPulledNormallyAndTheOthersStayRemote() throws Exception {
        start();
        ConvertedLayer top = publishedImage.layers().getLast();
        try (RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
            byte[] tail = tocSection(client, top).tail();
            assertThat(new String(tail, FOOTER_MAGIC, 6, StandardCharsets.US_ASCII)).isEqualTo("STARGZ");
        }
        node.proxy().reset();

        faults().flipBit(top.estargz().digest().value(), top.estargz().size() - Footer.MAX_SIZE + FOOTER_MAGIC);
        node.rpull(reference);

        assertThat(faults().applied(ProxyFaults.Kind.FLIPPED_BIT)).isPositive();
        assertThat(decisions()).containsEntry(decision(ESTARGZ, "provided"), 2.0)
                .containsEntry(decision("pull", "not_estargz"), 1.0);
        assertSources(ESTARGZ, ESTARGZ, "");
        assertPulledWhole(List.of(top));
        assertThat(node.run(SNAPSHOTTER, reference, "/bin/cat", HELLO, TOP, REPLACED))
                .isEqualTo(HELLO_CONTENT + TOP_CONTENT + REPLACED_CONTENT);
    }

    @Test
    void layersWhoseTocIsMalformedOrDoesNotMatchItsDigestArePulledNormally() throws Exception {
        start();
        ConvertedLayer middle = publishedImage.layers().get(1);
        ConvertedLayer top = publishedImage.layers().get(2);
        long malformed;
        long mismatched;
        try (RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
            malformed = tocSection(client, middle).offsetRefusedFor(middle, Reason.MALFORMED_TOC);
            mismatched = tocSection(client, top).offsetRefusedFor(top, Reason.TOC_DIGEST_MISMATCH);
        }
        node.proxy().reset();

        faults().flipBit(middle.estargz().digest().value(), malformed).flipBit(top.estargz().digest().value(),
                mismatched);
        node.rpull(reference);

        assertThat(faults().applied(ProxyFaults.Kind.FLIPPED_BIT)).isGreaterThanOrEqualTo(2);
        assertThat(decisions()).containsEntry(decision(ESTARGZ, "provided"), 1.0)
                .containsEntry(decision("pull", "corrupt"), 2.0);
        assertSources(ESTARGZ, "", "");
        assertPulledWhole(List.of(middle, top));
        assertThat(node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "cat " + TOP + " && sha256sum " + BIG))
                .isEqualTo(TOP_CONTENT + hex(BIG) + "  " + BIG + "\n");
    }

    /**
     * Starts a node whose registry already holds the image (its storage linked from the one
     * {@link #convertAndPushOnce} filled, into where {@link TestNode} keeps the registry's data),
     * whose daemon retries fast and serves metrics on a free port.
     */
    private void start() throws Exception {
        Path data = published.resolve("registry/data");
        try (Stream<Path> files = Files.walk(data)) {
            for (Path from : (Iterable<Path>) files::iterator) {
                Path to = tmp.resolve("registry/data").resolve(data.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.createLink(to, from); // the registry never rewrites a stored file
                }
            }
        }
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        node = TestNode.start(tmp, "enabled = false\n\n[registry]\nretry_deadline_ms = 20000\n"
                + "request_timeout_ms = 5000\n\n[metrics]\naddress = \"127.0.0.1:" + metricsPort + "\"\n", List.of());
        // containerd dials the daemon at start and gives its first HTTP/2 handshake about 1 s
        // (grpc-go's first backoff, as containerd sets no MinConnectTimeout); a daemon JVM slower
        // than that on a loaded machine fails the first Prepare with "timed out waiting for server
        // handshake". Wait until containerd reaches it.
        node.containerd().awaitSnapshotterReconnected(Duration.ofSeconds(30));
        reference = node.imageName(REPOSITORY + ":" + EstargzImages.ESGZ_TAG);
    }

    private ProxyFaults faults() {
        return node.proxy().faults();
    }

    /** A fresh container hashes the big file and prints {@link EstargzTestImage#HELLO}: both must be right. */
    private void assertContainerReadsBigAndHello() {
        assertThat(node.run(SNAPSHOTTER, reference, "/bin/sh", "-c", "sha256sum " + BIG + " && cat " + HELLO))
                .isEqualTo(hex(BIG) + "  " + BIG + "\n" + HELLO_CONTENT);
    }

    /** The hex sha256 of the image's file {@code path}, as sha256sum prints it. */
    private static String hex(String path) {
        return testImage.fileDigests().get(path).substring("sha256:".length());
    }

    /** The source of each layer's snapshot, base first; a failure shows the daemon's decisions. */
    private void assertSources(String... expected) {
        assertThat(remoteSources()).as("source of each layer's snapshot, base first (\"\" = pulled); decisions:\n%s",
                String.join("\n", node.daemon().logText().lines().filter(l -> l.contains("layer decision")).toList()))
                .containsExactly(expected);
    }

    /** The source label of each committed snapshot, {@code ""} if none: the chain from the parentless one up. */
    private List<String> remoteSources() {
        Map<String, Info> byParent = new HashMap<>();
        node.daemon().list().stream().filter(i -> i.getKind() == Kind.COMMITTED).forEach(i ->
                assertThat(byParent.put(i.getParent(), i)).as("two snapshots on parent %s", i.getParent()).isNull());
        List<String> sources = new ArrayList<>();
        for (Info next = byParent.get(""); next != null; next = byParent.get(next.getName())) {
            sources.add(next.getLabelsOrDefault(SOURCE_LABEL, ""));
        }
        assertThat(sources).as("a chain of every committed snapshot").hasSize(byParent.size());
        return sources;
    }

    /** {@code pulled} were fetched whole (containerd's GET); every other layer stayed under its size. */
    private void assertPulledWhole(List<ConvertedLayer> pulled) {
        for (ConvertedLayer layer : publishedImage.layers()) {
            long served = node.proxy().blobBytes(layer.estargz().digest().value());
            assertThat(served >= layer.estargz().size()).as("whether layer %s was fetched whole (%s of its %s bytes)",
                    layer.estargz().digest(), served, layer.estargz().size()).isEqualTo(pulled.contains(layer));
        }
    }

    private static String decision(String source, String reason) {
        return DECISIONS + "{reason=\"" + reason + "\",source=\"" + source + "\"}";
    }

    /** The daemon's layer decision counters by series ({@link #decision}), scraped from its metrics. */
    private Map<String, Double> decisions() throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + metricsPort + "/metrics")).timeout(Duration.ofSeconds(30)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            Map<String, Double> samples = new LinkedHashMap<>();
            response.body().lines().filter(l -> l.startsWith(DECISIONS + "{")).forEach(line -> {
                int space = line.lastIndexOf(' ');
                samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
            });
            return samples;
        }
    }

    /** A layer's footer and TOC section as the daemon reads them: from the blob's end, then the section. */
    private TocSection tocSection(RegistryClient client, ConvertedLayer layer) throws Exception {
        ImageReference repository = ImageReference.parse(reference);
        long size = layer.estargz().size();
        byte[] tail = client.readRange(repository, layer.estargz().digest(), size - Footer.MAX_SIZE, Footer.MAX_SIZE);
        Footer footer = Footer.parse(tail, size);
        byte[] section = client.readRange(repository, layer.estargz().digest(), footer.tocOffset(),
                Math.toIntExact(footer.tocLength(size)));
        return new TocSection(tail, footer, section, size);
    }

    private record TocSection(byte[] tail, Footer footer, byte[] bytes, long blobSize) {
        Toc read(ConvertedLayer layer) throws CorruptLayerException {
            return new TocReader(TocLimits.defaults()).read(bytes, footer, blobSize, Optional.of(layer.tocDigest()));
        }

        /**
         * The blob offset of a byte of this section whose lowest bit, flipped, makes our reader
         * refuse the TOC for {@code reason}; searched from the middle on, the gzip header last.
         */
        long offsetRefusedFor(ConvertedLayer layer, Reason reason) {
            TocReader reader = new TocReader(TocLimits.defaults());
            for (int n = 0; n < bytes.length; n++) {
                int i = (bytes.length / 2 + n) % bytes.length;
                byte[] flipped = Arrays.copyOf(bytes, bytes.length);
                flipped[i] ^= 1;
                try {
                    reader.read(flipped, footer, blobSize, Optional.of(layer.tocDigest()));
                } catch (CorruptLayerException e) {
                    if (e.reason() == reason) {
                        return footer.tocOffset() + i;
                    }
                }
            }
            throw new AssertionError("no flipped bit in the TOC of " + layer.estargz().digest() + " gives " + reason);
        }
    }
}
