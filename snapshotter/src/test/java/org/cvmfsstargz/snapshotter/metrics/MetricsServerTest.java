package org.cvmfsstargz.snapshotter.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {
    private final AtomicInteger scrapes = new AtomicInteger();
    private final MetricsServer server = MetricsServer.start(
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
            () -> "scrape_number " + scrapes.incrementAndGet() + "\n");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @AfterEach
    void stop() {
        server.close();
        http.close();
    }

    private HttpResponse<String> send(String method, String path) throws Exception {
        URI uri = URI.create("http://" + MetricsServer.hostPort(server.address()) + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void getMetricsAnswersAFreshScrapeInThePrometheusTextFormat() throws Exception {
        HttpResponse<String> first = send("GET", "/metrics");
        HttpResponse<String> second = send("GET", "/metrics");

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
        assertThat(first.body()).isEqualTo("scrape_number 1\n");
        assertThat(second.body()).isEqualTo("scrape_number 2\n");
    }

    @Test
    void otherPathsAreNotFoundAndOtherMethodsNotAllowed() throws Exception {
        assertThat(send("GET", "/").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/metrics/more").statusCode()).isEqualTo(404);
        assertThat(send("GET", "/debug/pprof").statusCode()).isEqualTo(404);
        HttpResponse<String> post = send("POST", "/metrics");
        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(scrapes).hasValue(0);
    }

    @Test
    void aScrapeThatFailsIsAnError500AndTheServerKeepsServing() throws Exception {
        try (MetricsServer failing = MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                () -> {
                    throw new IllegalStateException("collector broke");
                })) {
            URI uri = URI.create("http://" + MetricsServer.hostPort(failing.address()) + "/metrics");
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(500);
            assertThat(response.body()).contains("collector broke");
        }
        assertThat(send("GET", "/metrics").statusCode()).isEqualTo(200);
    }

    @Test
    void anAddressInUseFailsNamingTheAddressAndTheKey() {
        InetSocketAddress taken = server.address();
        assertThatThrownBy(() -> MetricsServer.start(taken, () -> ""))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot serve metrics on " + MetricsServer.hostPort(taken))
                .hasMessageContaining("metrics.address");
    }
}
