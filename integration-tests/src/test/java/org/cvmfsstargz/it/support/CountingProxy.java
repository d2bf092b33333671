package org.cvmfsstargz.it.support;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.it.support.HttpFraming.Framing;
import org.cvmfsstargz.it.support.HttpFraming.Head;

/**
 * A reverse proxy on 127.0.0.1 (ephemeral port) in front of one loopback registry, counting the
 * response body bytes it serves per request, so a test can say how much of each blob a pull
 * really downloaded. It relays HTTP/1.1 byte for byte, one registry connection per client
 * connection: requests (with their Host, Range and bodies) go out unchanged, so the registry's
 * upload Locations point back at the proxy, and answers to HEAD carry no body. Only message
 * boundaries are parsed, to attribute bytes to requests; plain HTTP only (ctr {@code --plain-http},
 * or a CRI registry host with an {@code http://} server). A test may switch on {@link #faults()},
 * which then alter answers (and drop {@code Range} headers) as a misbehaving registry would.
 *
 * <p>Thread-safe. The test that starts it closes it, which drops every connection.
 */
public final class CountingProxy implements AutoCloseable {
    /** {@code /v2/<name>/blobs/<digest>}; upload paths ({@code blobs/uploads/...}) do not match. */
    private static final Pattern BLOB_PATH = Pattern.compile("^/v2/.+/blobs/([a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+)$");
    /** How long a response may wait for the request it answers to be read; only a broken peer waits. */
    private static final Duration PAIRING_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    /**
     * One request to a blob path and what answered it, as {@link #blobRequests} lists them.
     *
     * @param range the request's {@code Range} header, empty if it had none
     * @param bodyBytes the response body bytes relayed: fewer than the answer's length when the
     *     client closed the connection first
     */
    public record BlobRequest(String method, Optional<String> range, int status, long bodyBytes) {}

    /** One request and the response body bytes served for it, in {@link #requests()} form. */
    private record Exchange(String method, String target, Optional<String> range, int status, long bodyBytes) {
        @Override
        public String toString() {
            return method + " " + target + " " + status + " " + bodyBytes;
        }

        Optional<String> blobDigest() {
            return CountingProxy.blobDigest(target);
        }
    }

    /**
     * A request as the response side needs it: which method, for which target, and whether it is
     * a ranged blob read (a GET of a blob path with a {@code Range} header, see {@link ProxyFaults}).
     */
    private record Pending(String method, String target, Optional<String> range, boolean rangedRead) {}

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<Exchange> exchanges = new ConcurrentLinkedQueue<>();
    private final ProxyFaults faults = new ProxyFaults();

    private CountingProxy(ServerSocket server, InetSocketAddress upstream) {
        this.server = server;
        this.upstream = upstream;
    }

    /**
     * Starts a proxy for the registry at {@code upstreamHostPort} (e.g. {@link RegistryProcess#hostPort()}),
     * which must be a loopback address: the proxy never sends traffic anywhere else.
     */
    public static CountingProxy start(String upstreamHostPort) throws IOException {
        URI authority = URI.create("http://" + upstreamHostPort);
        InetAddress host = InetAddress.getByName(authority.getHost());
        if (!host.isLoopbackAddress() || authority.getPort() < 0) {
            throw new IllegalArgumentException("the proxy only fronts a loopback host:port, got " + upstreamHostPort);
        }
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        CountingProxy proxy = new CountingProxy(server, new InetSocketAddress(host, authority.getPort()));
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    /** {@code 127.0.0.1:<port>}: the registry host to put in image references pulled through the proxy. */
    public String hostPort() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    /** Body bytes served for {@code /v2/<name>/blobs/<digest>} (any name, any method) since the last reset. */
    public long blobBytes(String digest) {
        return exchanges.stream().filter(e -> e.blobDigest().filter(digest::equals).isPresent())
                .mapToLong(Exchange::bodyBytes).sum();
    }

    /** The requests for blob {@code digest} (any name, any method) since the last reset, in completion order. */
    public List<BlobRequest> blobRequests(String digest) {
        return exchanges.stream().filter(e -> e.blobDigest().filter(digest::equals).isPresent())
                .map(e -> new BlobRequest(e.method(), e.range(), e.status(), e.bodyBytes())).toList();
    }

    /** The digests of the blobs that served body bytes since the last reset, in no order. */
    public Set<String> blobsServed() {
        return exchanges.stream().filter(e -> e.bodyBytes() > 0).flatMap(e -> e.blobDigest().stream())
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    /** Body bytes served for all blob paths since the last reset (manifests and the rest excluded). */
    public long totalBlobBytes() {
        return exchanges.stream().filter(e -> e.blobDigest().isPresent()).mapToLong(Exchange::bodyBytes).sum();
    }

    /**
     * One {@code "METHOD target status bytes"} line per response whose body has been relayed (or cut
     * off), in completion order, since the last reset; for failure messages.
     */
    public List<String> requests() {
        return exchanges.stream().map(Exchange::toString).toList();
    }

    /** The faults this proxy injects; all off until a test switches one on. */
    public ProxyFaults faults() {
        return faults;
    }

    /** Forgets what was counted; an exchange in flight is counted when it completes. */
    public void reset() {
        exchanges.clear();
    }

    /** Stops accepting, closes every connection and waits for the relay threads to end. */
    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Closing is best effort: the sockets below are closed regardless.
        }
        sockets.forEach(CountingProxy::closeQuietly);
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("proxy relay threads still running after " + STOP_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            threads.execute(() -> connect(client));
        }
    }

    /** Pairs the client connection with its own registry connection and relays both directions. */
    private void connect(Socket client) {
        if (faults.refuses()) {
            closeQuietly(client);
            return;
        }
        sockets.add(client);
        Socket registry = new Socket();
        sockets.add(registry);
        try {
            registry.connect(upstream, (int) STOP_TIMEOUT.toMillis());
            client.setTcpNoDelay(true);
            registry.setTcpNoDelay(true);
        } catch (IOException e) {
            closeBoth(client, registry);
            return;
        }
        BlockingQueue<Pending> pending = new LinkedBlockingQueue<>();
        AtomicBoolean clientGone = new AtomicBoolean();
        threads.execute(() -> {
            try {
                relayRequests(client, registry, pending);
            } finally {
                clientGone.set(true); // the client's side ended: it closed the connection, or it broke
            }
        });
        relayResponses(registry, client, pending, clientGone::get);
    }

    /**
     * Client to registry: each request head and body as it came. A client that closes the
     * connection half-closes the registry side, so responses still in flight finish.
     */
    private void relayRequests(Socket client, Socket registry, BlockingQueue<Pending> pending) {
        try {
            InputStream in = new BufferedInputStream(client.getInputStream());
            OutputStream out = new BufferedOutputStream(registry.getOutputStream());
            while (true) {
                Optional<Head> head = HttpFraming.readHead(in);
                if (head.isEmpty()) {
                    break;
                }
                String[] requestLine = head.get().startLine().split(" ", 3);
                String target = requestLine.length > 1 ? requestLine[1] : "";
                boolean rangedRead = requestLine[0].equals("GET") && blobDigest(target).isPresent()
                        && head.get().field("Range").isPresent();
                pending.add(new Pending(requestLine[0], target, head.get().field("Range"), rangedRead));
                out.write(faults.forward(head.get(), rangedRead).raw());
                out.flush();
                HttpFraming.relayBody(in, out, HttpFraming.requestFraming(head.get()), new AtomicLong());
                out.flush();
            }
            registry.shutdownOutput();
        } catch (IOException e) {
            closeBoth(client, registry);
        }
    }

    /**
     * Registry to client: each response head as it came, then its body, counted against the
     * request it answers (HTTP/1.1 answers in order). Interim 1xx answers (100 Continue) are
     * relayed without consuming a request.
     */
    private void relayResponses(Socket registry, Socket client, BlockingQueue<Pending> pending,
            BooleanSupplier clientGone) {
        try {
            InputStream in = new BufferedInputStream(registry.getInputStream());
            OutputStream out = new BufferedOutputStream(client.getOutputStream());
            while (true) {
                Optional<Head> head = HttpFraming.readHead(in);
                if (head.isEmpty()) {
                    break;
                }
                int status = HttpFraming.status(head.get());
                if (status / 100 == 1 && status != 101) {
                    out.write(head.get().raw());
                    out.flush(); // an interim answer (100 Continue) goes through at once
                    continue;
                }
                Pending request = pending.poll(PAIRING_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                if (request == null) {
                    throw new IOException("registry answered " + status + " with no request outstanding");
                }
                Framing framing = HttpFraming.responseFraming(request.method(), status, head.get());
                AtomicLong served = new AtomicLong();
                int relayed = status;
                try {
                    relayed = faults.relay(request.rangedRead(), blobDigest(request.target()), head.get(), status,
                            framing, in, out, served, clientGone);
                } finally {
                    // Counted before the client can see the response end: a test that resets the
                    // counts after a call returns must not find that call counted afterwards.
                    exchanges.add(new Exchange(request.method(), request.target(), request.range(), relayed,
                            served.get()));
                }
                out.flush();
                if (framing instanceof Framing.UntilClose || status == 101) {
                    break;
                }
            }
        } catch (IOException e) {
            // A peer went away; closing both ends tells the other one.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            closeBoth(client, registry);
        }
    }

    /** The digest a blob path names; the target without query, absolute-form targets reduced to their path. */
    private static Optional<String> blobDigest(String target) {
        String path;
        try {
            path = target.startsWith("http://") ? URI.create(target).getRawPath() : target;
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a URL: relayed as it came, for the registry to refuse
        }
        int query = path.indexOf('?');
        Matcher m = BLOB_PATH.matcher(query < 0 ? path : path.substring(0, query));
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    private void closeBoth(Socket client, Socket registry) {
        closeQuietly(client);
        closeQuietly(registry);
        sockets.remove(client);
        sockets.remove(registry);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already broken; nothing more to release.
        }
    }
}
