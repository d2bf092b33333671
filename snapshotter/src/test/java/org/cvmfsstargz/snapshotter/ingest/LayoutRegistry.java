package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Serves an OCI layout directory (as {@link TestImage} writes it) as one repository of a registry
 * on 127.0.0.1 at an ephemeral port: the tag answers {@code index.json}, digests answer blobs.
 * A blob can be replaced by other bytes, as a faulty registry would serve them.
 */
final class LayoutRegistry implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Path layout;
    private final String repository;
    private final String tag;
    private final Map<String, byte[]> replaced = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();

    private LayoutRegistry(Path layout, String repository, String tag) throws IOException {
        this.layout = layout;
        this.repository = repository;
        this.tag = tag;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    static LayoutRegistry serve(Path layout, String repository, String tag) throws IOException {
        return new LayoutRegistry(layout, repository, tag);
    }

    /** {@code 127.0.0.1:<port>/<repository>:<tag>}. */
    String reference() {
        return "127.0.0.1:" + server.getAddress().getPort() + "/" + repository + ":" + tag;
    }

    /** Serves {@code bytes} in place of blob {@code digest} from now on. */
    void replace(Digest digest, byte[] bytes) {
        replaced.put(digest.value(), bytes.clone());
    }

    /** "METHOD path" of every request so far. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            requests.add(exchange.getRequestMethod() + " " + path);
            String prefix = "/v2/" + repository + "/";
            if (!path.startsWith(prefix)) {
                respond(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"NAME_UNKNOWN\"}]}".getBytes(
                        StandardCharsets.UTF_8));
                return;
            }
            String rest = path.substring(prefix.length());
            if (rest.equals("manifests/" + tag)) {
                respond(exchange, 200, "application/vnd.oci.image.index.v1+json",
                        Files.readAllBytes(layout.resolve("index.json")));
            } else if (rest.startsWith("manifests/sha256:") || rest.startsWith("blobs/sha256:")) {
                String digest = rest.substring(rest.indexOf('/') + 1);
                byte[] bytes = blob(digest);
                if (bytes == null) {
                    respond(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}"
                            .getBytes(StandardCharsets.UTF_8));
                } else {
                    String type = rest.startsWith("manifests/")
                            ? JSON.readTree(bytes).path("mediaType").asText("") : "application/octet-stream";
                    respond(exchange, 200, type, bytes);
                }
            } else {
                respond(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}"
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
    }

    private byte[] blob(String digest) throws IOException {
        if (replaced.containsKey(digest)) {
            return replaced.get(digest);
        }
        Path file = layout.resolve("blobs/sha256").resolve(Digest.parse(digest).hex());
        return Files.isRegularFile(file) ? Files.readAllBytes(file) : null;
    }

    private static void respond(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        if (exchange.getRequestMethod().equals("HEAD")) {
            exchange.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
