package org.cvmfsstargz.snapshotter.training;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry on loopback that serves blobs held in memory as the OCI distribution API does for
 * the daemon's reads: {@code GET /v2/}, {@code HEAD} and {@code GET} of a blob, with one range,
 * a suffix range, or several ranges (a {@code multipart/byteranges} answer). Only for the training
 * run, which has no real registry at hand.
 *
 * <p>Thread-safe; the training run closes it.
 */
final class TrainingRegistry implements AutoCloseable {
    private static final Pattern BLOB = Pattern.compile("/v2/.+/blobs/(sha256:[0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("(\\d*)-(\\d*)");
    private static final String BOUNDARY = "training-boundary";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Map<String, byte[]> blobs;

    private TrainingRegistry(HttpServer server, ExecutorService executor, Map<String, byte[]> blobs) {
        this.server = server;
        this.executor = executor;
        this.blobs = blobs;
    }

    /** Serves {@code blobs} (by digest) on a free port of 127.0.0.1. */
    static TrainingRegistry start(Map<String, byte[]> blobs) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        TrainingRegistry registry = new TrainingRegistry(server, executor, Map.copyOf(blobs));
        server.setExecutor(executor);
        server.createContext("/v2/", registry::answer);
        server.start();
        return registry;
    }

    /** {@code 127.0.0.1:<port>}, as an image reference names the registry. */
    String hostPort() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    private void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/v2/")) {
                send(exchange, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
                return;
            }
            Matcher blob = BLOB.matcher(path);
            byte[] bytes = blob.matches() ? blobs.get(blob.group(1)) : null;
            if (bytes == null) {
                send(exchange, 404, "application/json", "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}"
                        .getBytes(StandardCharsets.UTF_8));
                return;
            }
            String range = exchange.getRequestHeaders().getFirst("Range");
            if (exchange.getRequestMethod().equals("HEAD") || range == null || !range.startsWith("bytes=")) {
                exchange.getResponseHeaders().set("Content-Length", Long.toString(bytes.length));
                send(exchange, 200, "application/octet-stream", exchange.getRequestMethod().equals("HEAD")
                        ? null : bytes);
                return;
            }
            List<long[]> ranges = ranges(range.substring("bytes=".length()), bytes.length);
            if (ranges.isEmpty()) {
                exchange.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                send(exchange, 416, "text/plain", new byte[0]);
            } else if (ranges.size() == 1) {
                long[] r = ranges.getFirst();
                exchange.getResponseHeaders().set("Content-Range", contentRange(r, bytes.length));
                send(exchange, 206, "application/octet-stream", slice(bytes, r));
            } else {
                send(exchange, 206, "multipart/byteranges; boundary=" + BOUNDARY, multipart(bytes, ranges));
            }
        }
    }

    /** The satisfiable ranges of a {@code Range} header's value, as {first, last} pairs. */
    private static List<long[]> ranges(String spec, long size) {
        List<long[]> ranges = new ArrayList<>();
        for (String part : spec.split(",")) {
            Matcher m = RANGE.matcher(part.strip());
            if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
                continue;
            }
            long first;
            long last;
            if (m.group(1).isEmpty()) {
                first = Math.max(0, size - Long.parseLong(m.group(2)));
                last = size - 1;
            } else {
                first = Long.parseLong(m.group(1));
                last = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
            }
            if (first <= last && first < size) {
                ranges.add(new long[] {first, last});
            }
        }
        return ranges;
    }

    private static byte[] multipart(byte[] bytes, List<long[]> ranges) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (long[] r : ranges) {
            body.writeBytes(("\r\n--" + BOUNDARY + "\r\nContent-Type: application/octet-stream\r\nContent-Range: "
                    + contentRange(r, bytes.length) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            body.writeBytes(slice(bytes, r));
        }
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    private static String contentRange(long[] r, long size) {
        return "bytes " + r[0] + "-" + r[1] + "/" + size;
    }

    private static byte[] slice(byte[] bytes, long[] r) {
        byte[] out = new byte[(int) (r[1] - r[0] + 1)];
        System.arraycopy(bytes, (int) r[0], out, 0, out.length);
        return out;
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
        if (body == null) {
            exchange.sendResponseHeaders(status, -1);
            return;
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
