package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cvmfsstargz.it.support.BusyNode;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.CountingProxy;
import org.cvmfsstargz.it.support.CriImageClient;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.Processes;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.it.support.TestNode;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd's first connection to a daemon that has just started on a busy node. containerd's
 * proxy plugin dials with grpc-go's connect parameters: its first attempt allows about one backoff
 * step (1 s) for the server's HTTP/2 preface, and a pull whose attempt misses it fails with
 * {@code timed out waiting for server handshake}. The daemon publishes its socket only once its
 * call path is warm, so a client that connects the moment the socket appears, while every
 * processor and the disk are busy, gets the preface in time.
 */
@Timeout(1200)
class FirstConnectionIT {
    private static final int TRIES = 20;
    /** What the first connection attempt of containerd's proxy plugin allows for the server's preface. */
    private static final Duration FIRST_ATTEMPT = Duration.ofSeconds(1);
    /** How long a daemon may take to publish its socket on the busy node: a loose bound, not the subject. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(120);
    /** RFC 9113 §3.4: the client's connection preface, then its (empty) SETTINGS frame. */
    private static final byte[] CLIENT_PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] EMPTY_SETTINGS = {0, 0, 0, 0x4, 0, 0, 0, 0, 0};
    private static final int SETTINGS = 0x4;

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private CountingProxy proxy;
    private DaemonProcess daemon;
    private ContainerdProcess containerd;
    private CriImageClient cri;

    @AfterEach
    void stopEverything() {
        try (CountingProxy p = proxy) {
            if (cri != null) {
                cri.close();
            }
            Teardown.stop(tmp, containerd, daemon, registry);
        }
    }

    @Test
    void aDaemonJustStartedOnABusyNodeSendsItsPrefaceWithinContainerdsFirstAttemptEveryTime() throws Exception {
        Path config = Files.writeString(tmp.resolve("snapshotter.toml"), DaemonProcess.METRICS_OFF);
        List<String> misses = new ArrayList<>();
        List<Long> prefaceMillis = new ArrayList<>();
        try (BusyNode busy = BusyNode.start(tmp.resolve("busy"))) {
            for (int i = 0; i < TRIES; i++) {
                Path socket = tmp.resolve("d" + i + ".sock");
                try (DaemonProcess started = DaemonProcess.launch(tmp.resolve("root" + i), socket,
                        List.of("--config", config.toString()), Map.of())) {
                    awaitSocketFile(started, socket);
                    long begin = System.nanoTime();
                    try {
                        awaitServerPreface(socket, FIRST_ATTEMPT);
                        prefaceMillis.add((System.nanoTime() - begin) / 1_000_000);
                    } catch (IOException | TimeoutException e) {
                        misses.add("try " + i + ": " + e);
                    }
                    // The connection is a real one: a call on it is answered.
                    assertThatThrownBy(() -> started.snapshots().stat(
                            StatSnapshotRequest.newBuilder().setKey("absent").build()))
                            .isInstanceOfSatisfying(StatusRuntimeException.class,
                                    e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
                    assertThat(started.stop()).as(started.logText()).isZero();
                }
            }
        }
        assertThat(misses).as("connections that got no preface within %s; prefaces of the others, ms: %s",
                FIRST_ATTEMPT, prefaceMillis).isEmpty();
    }

    @Test
    void aCriPullStartedTheMomentTheSocketAppearsOnABusyNodeServesItsLayersFromCvmfs() throws Exception {
        Path cvmfs = Files.createDirectories(tmp.resolve("cvmfs"));
        Path config = Files.writeString(tmp.resolve("snapshotter.toml"), "[cvmfs]\nmountpoint = \"" + cvmfs
                + "\"\nrepositories = [\"" + TestNode.REPOSITORY + "\"]\n" + DaemonProcess.METRICS_OFF);
        registry = RegistryProcess.start(tmp.resolve("registry"));
        proxy = CountingProxy.start(registry.hostPort());
        Image image = OciImageBuilder.image(proxy.hostPort() + "/it/first:1")
                .layer(Layer.busyboxBase())
                .layer(new Layer().file("etc/first.txt", "served from cvmfs\n"))
                .writeArchive(tmp.resolve("image.tar"));
        TestNode.ingestInto(image, cvmfs.resolve(TestNode.REPOSITORY));
        Processes.Exit pushed = Processes.run(Duration.ofSeconds(120), List.of("skopeo", "copy", "--quiet",
                "--dest-tls-verify=false", "oci-archive:" + image.archive(), "docker://" + image.name()));
        assertThat(pushed.code()).as(pushed.output()).isZero();
        proxy.reset();

        try (BusyNode busy = BusyNode.start(tmp.resolve("busy"))) {
            Path socket = tmp.resolve("d.sock");
            daemon = DaemonProcess.launch(tmp.resolve("snapshotter"), socket, List.of("--config", config.toString()),
                    Map.of());
            awaitSocketFile(daemon, socket);
            // containerd dials the proxy snapshotter as it starts: its first attempt meets the new daemon.
            containerd = ContainerdProcess.startWithCri(tmp.resolve("containerd"), socket, proxy.hostPort());
            containerd.alsoReportOnFailure(() -> "\n--- daemon log ---\n" + daemon.logText());
            cri = CriImageClient.connect(containerd.address());
            cri.pull(image.name());
        }

        for (String digest : image.layerDigests()) {
            assertThat(proxy.blobBytes(digest)).as("bytes of layer %s served; requests: %s", digest,
                    proxy.requests()).isZero();
        }
        assertThat(containerd.runAndRemoveIn(CriImageClient.NAMESPACE, image.name(), "first", "/bin/cat",
                "/etc/first.txt")).isEqualTo("served from cvmfs\n");
    }

    private static void awaitSocketFile(DaemonProcess daemon, Path socket) throws InterruptedException {
        long deadline = System.nanoTime() + SOCKET_TIMEOUT.toNanos();
        while (!Files.exists(socket)) {
            assertThat(daemon.process().isAlive()).as("daemon alive; its log:\n%s", daemon.logText()).isTrue();
            assertThat(System.nanoTime()).as("socket %s within %s; log:\n%s", socket, SOCKET_TIMEOUT,
                    daemon.logText()).isLessThan(deadline);
            Thread.sleep(1);
        }
    }

    /**
     * Connects as an HTTP/2 client does and waits for the server's preface, its first SETTINGS
     * frame (RFC 9113 §3.4), for at most {@code timeout} from the connect on.
     */
    private static void awaitServerPreface(Path socket, Duration timeout)
            throws IOException, TimeoutException, InterruptedException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                var reader = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<Integer> frameType = reader.submit(() -> {
                channel.connect(UnixDomainSocketAddress.of(socket));
                channel.write(ByteBuffer.wrap(CLIENT_PREFACE));
                channel.write(ByteBuffer.wrap(EMPTY_SETTINGS));
                ByteBuffer header = ByteBuffer.allocate(9);
                while (header.hasRemaining()) {
                    if (channel.read(header) < 0) {
                        throw new IOException("the server closed the connection before its preface");
                    }
                }
                return header.get(3) & 0xff;
            });
            try {
                int type = frameType.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (type != SETTINGS) {
                    throw new IOException("the server's first frame has type " + type + ", not SETTINGS");
                }
            } catch (ExecutionException e) {
                throw new IOException(e.getCause().toString(), e.getCause());
            } catch (TimeoutException e) {
                channel.close(); // ends the blocked read
                throw e;
            }
        }
    }
}
