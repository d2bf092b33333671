package org.cvmfsstargz.snapshotter.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP endpoint Prometheus scrapes: {@code GET /metrics} answers the registry's text
 * exposition; any other path is 404 and any other method 405. Served by the JDK's HTTP server,
 * one request at a time on one virtual thread: a scrape may wait for a CVMFS repository (up to
 * its deadline), and concurrent scrapes would only pile up on the same repositories.
 *
 * <p>Started and closed by the composition root.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    static final String PATH = "/metrics";
    /** The Prometheus text format, which every Prometheus version reads. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService executor;

    private MetricsServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds {@code address} and serves {@code exposition} at {@code /metrics}.
     *
     * @throws UncheckedIOException the address cannot be bound (in use, not on this host); names it
     */
    public static MetricsServer start(InetSocketAddress address, Supplier<String> exposition) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve metrics on " + hostPort(address) + " (metrics.address): "
                    + e.getMessage() + "; choose a free port in metrics.address, or set metrics.enabled = false", e);
        }
        ExecutorService executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("metrics-http").factory());
        server.setExecutor(executor);
        server.createContext("/", exchange -> respond(exchange, exposition));
        server.start();
        return new MetricsServer(server, executor);
    }

    /** Where it listens, with the port the kernel gave when the configuration asked for any. */
    public InetSocketAddress address() {
        return server.getAddress();
    }

    private static void respond(HttpExchange exchange, Supplier<String> exposition) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!exchange.getRequestURI().getPath().equals(PATH)) {
                send(exchange, 404, "only " + PATH + " is served here\n", false);
            } else if (!method.equals("GET") && !method.equals("HEAD")) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                send(exchange, 405, "use GET\n", false);
            } else {
                String body;
                try {
                    body = exposition.get();
                } catch (RuntimeException e) {
                    LOG.warn("metrics scrape failed: {}", e.toString());
                    send(exchange, 500, "scrape failed: " + e + "\n", false);
                    return;
                }
                exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
                send(exchange, 200, body, method.equals("HEAD"));
            }
        }
    }

    private static void send(HttpExchange exchange, int status, String body, boolean headOnly) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (status != 200) {
            exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        }
        exchange.sendResponseHeaders(status, headOnly ? -1 : bytes.length);
        if (!headOnly) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    static String hostPort(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    /** Stops listening at once; a scrape in progress is cut off. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
