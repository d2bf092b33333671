package org.cvmfsstargz.stargz.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An HTTP server on 127.0.0.1 at an ephemeral port for registry client tests: exact-path routes,
 * a 404 for anything else, and a log of every request with its headers.
 */
final class TestRegistry implements AutoCloseable {

    /** A handler for one path. */
    @FunctionalInterface
    interface Route {
        void handle(HttpExchange exchange) throws IOException;
    }

    /** One request as the server saw it. */
    record Seen(String method, String path, String query, Map<String, List<String>> headers) {
        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final Map<String, Route> routes = new ConcurrentHashMap<>();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    private TestRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.setExecutor(executor);
        server.createContext("/", this::dispatch);
        server.start();
    }

    static TestRegistry start() throws IOException {
        return new TestRegistry();
    }

    /** {@code 127.0.0.1:<port>}. */
    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    TestRegistry route(String path, Route route) {
        routes.put(path, route);
        return this;
    }

    /** Serves {@code body} with {@code contentType} on GET and its headers on HEAD. */
    TestRegistry serve(String path, String contentType, byte[] body) {
        return route(path, ex -> respond(ex, 200, Map.of("Content-Type", contentType), body));
    }

    List<Seen> requests() {
        return List.copyOf(seen);
    }

    long count(String path) {
        return seen.stream().filter(s -> s.path().equals(path)).count();
    }

    private void dispatch(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            seen.add(new Seen(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    exchange.getRequestURI().getRawQuery(), Map.copyOf(exchange.getRequestHeaders())));
            Route route = routes.get(exchange.getRequestURI().getPath());
            if (route == null) {
                respond(exchange, 404, Map.of("Content-Type", "application/json"),
                        "{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"not here\"}]}"
                                .getBytes(StandardCharsets.UTF_8));
            } else {
                route.handle(exchange);
            }
        }
    }

    /** Answers with {@code status}, {@code headers} and, unless the request is a HEAD, {@code body}. */
    static void respond(HttpExchange exchange, int status, Map<String, String> headers, byte[] body)
            throws IOException {
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Long.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    /** Answers 307 to {@code location}. */
    static void redirect(HttpExchange exchange, String location) throws IOException {
        respond(exchange, 307, Map.of("Location", location), new byte[0]);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
