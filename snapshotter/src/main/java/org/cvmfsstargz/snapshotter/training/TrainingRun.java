package org.cvmfsstargz.snapshotter.training;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.cvmfsstargz.snapshotter.Daemon;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.cvmfsstargz.snapshotter.grpc.TrainingClient;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;
import org.cvmfsstargz.snapshotter.source.estargz.SyntheticToc;
import org.cvmfsstargz.stargz.convert.EstargzWriter;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * The workload the daemon's AOT cache is trained on (JDK 25, JEPs 483/514/515): what a node does
 * at a pull and a container's start, in this process. A real daemon (the default configuration,
 * its root, socket and CVMFS mountpoint under a work directory) is started, a registry on loopback
 * serves an eStargz layer, and a client calls the daemon as containerd does for an image of a
 * CVMFS layer and an eStargz layer, then reads every file of the eStargz layer through its FUSE
 * mount, scrapes the metrics, removes everything and stops the daemon. Rounds after the first
 * find the chunks in the cache. The classes this loads, and the profiles of the methods it runs,
 * go into the cache, so the daemon's first pull runs with them already loaded, linked and profiled.
 *
 * <p>Without root, or without FUSE, the eStargz layer is declined (and pulled, as the daemon would)
 * and its reads are skipped; the cache then covers less. Stateless.
 */
public final class TrainingRun {
    private static final int ROUNDS = 3;
    private static final String REPOSITORY = "training.local";
    private static final int SYNTHETIC_TOC_ENTRIES = 20_000;

    /** What a run did. */
    public record Summary(int rounds, boolean cvmfsClaimed, boolean estargzClaimed, long filesRead, long bytesRead,
            long millis) {}

    private TrainingRun() {}

    /** Runs the workload with {@code work} (created if missing) for its files; leaves nothing mounted. */
    public static Summary run(Path work) throws Exception {
        long started = System.nanoTime();
        Files.createDirectories(work);
        Digest cvmfsLayer = TrainingLayers.cvmfs(work.resolve("cvmfs").resolve(REPOSITORY));
        EstargzWriter.Blob estargzLayer = TrainingLayers.estargz();
        long[] read = new long[2];
        List<Boolean> claimed = List.of();
        try (TrainingRegistry registry = TrainingRegistry.start(Map.of(estargzLayer.digest().value(),
                estargzLayer.bytes()))) {
            Config config = ConfigLoader.load(Optional.of(writeConfig(work)));
            Daemon daemon = Daemon.start(config);
            try (TrainingClient client = new TrainingClient(config.daemon().socket());
                    HttpClient http = HttpClient.newHttpClient()) {
                String image = registry.hostPort() + "/training/image:1";
                for (int round = 1; round <= ROUNDS; round++) {
                    String namespace = "training" + round;
                    claimed = client.unpack(namespace, layers(image, cvmfsLayer, estargzLayer));
                    Optional<Path> top = client.container(namespace, chainId(2));
                    if (claimed.get(1) && top.isPresent()) {
                        readTree(top.get(), read);
                    }
                    scrape(http, config);
                    client.removeAll();
                }
            } finally {
                daemon.close();
            }
        }
        parseSyntheticTocs();
        return new Summary(ROUNDS, claimed.get(0), claimed.get(1), read[0], read[1],
                (System.nanoTime() - started) / 1_000_000);
    }

    private static Path writeConfig(Path work) throws IOException {
        int metricsPort;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            metricsPort = free.getLocalPort();
        }
        return Files.writeString(work.resolve("config.toml"), """
                [daemon]
                socket = "%s"
                root = "%s"
                log_level = "warn"

                [cvmfs]
                mountpoint = "%s"
                repositories = ["%s"]

                [metrics]
                address = "127.0.0.1:%d"
                """.formatted(work.resolve("s.sock"), work.resolve("root"), work.resolve("cvmfs"), REPOSITORY,
                metricsPort));
    }

    /** The image's two layers, labelled as CRI labels the first and ctr-remote the second. */
    private static List<TrainingClient.Layer> layers(String image, Digest cvmfsLayer, EstargzWriter.Blob estargz) {
        String all = cvmfsLayer.value() + "," + estargz.digest().value();
        return List.of(
                new TrainingClient.Layer(chainId(1), Map.of(RemoteLabels.TARGET, chainId(1),
                        RemoteLabels.CRI_LAYER_DIGEST, cvmfsLayer.value(), RemoteLabels.CRI_IMAGE_REF, image,
                        "containerd.io/snapshot/cri.image-layers", all)),
                new TrainingClient.Layer(chainId(2), Map.of(RemoteLabels.TARGET, chainId(2),
                        RemoteLabels.STARGZ_DIGEST, estargz.digest().value(), RemoteLabels.STARGZ_REFERENCE, image,
                        "containerd.io/snapshot/remote/stargz.layers", estargz.digest().value(),
                        EstargzLayerSource.TOC_DIGEST, estargz.tocDigest().value())));
    }

    private static String chainId(int layers) {
        return Digest.sha256(("training chain " + layers).getBytes(java.nio.charset.StandardCharsets.UTF_8)).value();
    }

    /** Lists, stats and reads everything under {@code dir}, as a container's start does. */
    private static void readTree(Path dir, long[] read) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.forEach(files::add);
        }
        for (Path path : files) {
            PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS);
            if (attributes.isSymbolicLink()) {
                Files.readSymbolicLink(path);
            } else if (attributes.isRegularFile()) {
                read[0]++;
                read[1] += Files.readAllBytes(path).length;
            }
        }
    }

    private static void scrape(HttpClient http, Config config) throws IOException, InterruptedException {
        if (config.metrics().enabled()) {
            http.send(HttpRequest.newBuilder(URI.create("http://" + config.metrics().address() + "/metrics"))
                    .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.discarding());
        }
    }

    /** Large TOCs are parsed at real pulls: give the parser's loops a profile. */
    private static void parseSyntheticTocs() throws CorruptLayerException {
        for (int i = 0; i < ROUNDS; i++) {
            SyntheticToc.sample(SYNTHETIC_TOC_ENTRIES);
        }
    }
}
