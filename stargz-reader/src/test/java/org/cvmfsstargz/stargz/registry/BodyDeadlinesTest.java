package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.LAYER_DIGEST;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A registry that sends a 206's headers and then stalls or trickles the body: the read fails
 * with a clear error within a few of its deadlines, and every connection is closed, not left to
 * hold a reader. Bounds are loose (many deadlines), so a loaded machine does not fail them.
 */
class BodyDeadlinesTest {
    private static final Duration IDLE = Duration.ofMillis(200);
    private static final Duration TOTAL = Duration.ofMillis(600);
    private static final Duration LOOSE = Duration.ofSeconds(20);
    private static final String PARTIAL = "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n"
            + "Content-Range: bytes 0-999/1000\r\nContent-Length: 1000";

    private StallingServer server;
    private RegistryClient client;

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        server.close();
    }

    private RegistryClient client(int attempts) {
        return new RegistryClient(RegistryOptions.defaults()
                .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))
                .withRetry(new RegistryOptions.Retry(attempts, Duration.ofMillis(1), Duration.ofMillis(5),
                        Duration.ofSeconds(10)))
                .withBodyDeadlines(new RegistryOptions.BodyDeadlines(IDLE, TOTAL)));
    }

    private ImageReference ref() {
        return ImageReference.parse(server.hostPort() + "/it/app:1");
    }

    @Test
    void aRangedReadWhoseBodyStallsFailsAfterItsRetriesAndClosesEveryConnection() throws Exception {
        server = StallingServer.stalling(PARTIAL, "0123456789".getBytes(StandardCharsets.US_ASCII));
        client = client(2);

        assertTimeoutPreemptively(LOOSE, () -> assertThatThrownBy(() -> client.readRange(ref(), LAYER_DIGEST, 0, 1000))
                .isInstanceOfSatisfying(RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.UNREACHABLE);
                    assertThat(e.getMessage()).contains("failed after 2 attempt(s)", "sent no byte for 200 ms",
                            "body idle deadline", "closed the connection", "/v2/it/app/blobs/" + LAYER_DIGEST);
                    assertThat(e.getCause()).isInstanceOf(StalledBodyException.class);
                }));
        assertThat(server.accepted()).isEqualTo(2);
        assertThat(server.awaitClosedByClient(2, LOOSE)).as("both stalled connections closed by the client").isTrue();
    }

    @Test
    void aBodyThatTricklesFailsAtItsOverallDeadline() throws Exception {
        server = StallingServer.trickling(PARTIAL, new byte[0], IDLE.dividedBy(3));
        client = client(1);

        assertTimeoutPreemptively(LOOSE, () -> assertThatThrownBy(() -> client.readRange(ref(), LAYER_DIGEST, 0, 1000))
                .isInstanceOfSatisfying(RegistryException.class, e -> assertThat(e.getMessage())
                        .contains("was still being read 600 ms after its headers (the body deadline)")));
        assertThat(server.awaitClosedByClient(1, LOOSE)).as("the trickling connection closed by the client").isTrue();
    }

    @Test
    void aStreamedBlobThatStallsFailsItsReaderWithinTheIdleDeadline() throws Exception {
        server = StallingServer.stalling("HTTP/1.1 200 OK\r\nContent-Length: 1000", "0123".getBytes(
                StandardCharsets.US_ASCII));
        client = client(1);

        assertTimeoutPreemptively(LOOSE, () -> {
            try (InputStream blob = client.openBlob(ref(), LAYER_DIGEST)) {
                assertThat(blob.readNBytes(4)).containsExactly('0', '1', '2', '3');
                assertThatThrownBy(blob::read).isInstanceOf(StalledBodyException.class)
                        .hasMessageContaining("sent no byte for 200 ms");
            }
        });
        assertThat(server.awaitClosedByClient(1, LOOSE)).as("the stalled connection closed by the client").isTrue();
    }

    @Test
    void aStreamedBlobReadSlowerThanTheBodyDeadlineIsNotCutOff() throws Exception {
        server = StallingServer.trickling("HTTP/1.1 200 OK\r\nContent-Length: 1000", new byte[0], IDLE.dividedBy(3));
        client = client(1);

        assertTimeoutPreemptively(LOOSE, () -> {
            try (InputStream blob = client.openBlob(ref(), LAYER_DIGEST)) {
                long until = System.nanoTime() + TOTAL.multipliedBy(2).toNanos();
                int read = 0;
                while (System.nanoTime() < until) {
                    assertThat(blob.read()).isEqualTo('x');
                    read++;
                }
                assertThat(read).isPositive();
            }
        });
    }
}
