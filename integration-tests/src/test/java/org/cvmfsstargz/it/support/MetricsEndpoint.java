package org.cvmfsstargz.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A daemon's {@code /metrics} endpoint on a free loopback port, read as the tests' oracle for
 * the daemon's decisions (counters are an interface; log lines are not). Stateless.
 */
public final class MetricsEndpoint {
    private MetricsEndpoint() {}

    /** A loopback port nothing listens on now. */
    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Configuration text that serves the metrics on {@code port}; append it to a test's configuration. */
    public static String config(int port) {
        return "\n[metrics]\naddress = \"127.0.0.1:" + port + "\"\n";
    }

    /** Every sample of one scrape, by series ({@code name{labels}}), with its value. */
    public static Map<String, Double> scrape(int port) throws IOException, InterruptedException {
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

    /** The value of one series ({@code name{labels}}, labels in name order); 0 if absent. */
    public static double value(int port, String series) throws IOException, InterruptedException {
        return scrape(port).getOrDefault(series, 0.0);
    }
}
