package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A slow link on loopback: a TCP relay on 127.0.0.1 (ephemeral port) in front of another loopback
 * address (the counting proxy), which adds {@code latency} to the set-up of each connection and
 * to each read of the client's bytes (an HTTP request, so a round trip of the registry protocol
 * costs at least that), and passes the answers through one {@link LinkPacer}, so all connections
 * share {@code bitsPerSecond}. It relays bytes only, parsing nothing. Kept apart from
 * integration-tests' {@code CountingProxy}, which it is chained in front of.
 *
 * <p>Thread-safe. Whoever starts it closes it, which drops every connection.
 */
public final class ThrottledProxy implements AutoCloseable {
    /** Bytes relayed per step: at 100 Mbit/s, 16 KiB is 1.3 ms of the link. */
    private static final int STEP = 16 * 1024;
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Duration latency;
    private final LinkPacer pacer;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    private ThrottledProxy(ServerSocket server, InetSocketAddress upstream, Duration latency, LinkPacer pacer) {
        this.server = server;
        this.upstream = upstream;
        this.latency = latency;
        this.pacer = pacer;
    }

    /** Starts a relay to {@code upstreamHostPort} (loopback only) with the link's latency and bandwidth. */
    public static ThrottledProxy start(String upstreamHostPort, Duration latency, long bitsPerSecond) throws IOException {
        URI authority = URI.create("http://" + upstreamHostPort);
        InetAddress host = InetAddress.getByName(authority.getHost());
        if (!host.isLoopbackAddress() || authority.getPort() < 0) {
            throw new IllegalArgumentException("the throttled proxy only fronts a loopback host:port, got "
                    + upstreamHostPort);
        }
        ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        ThrottledProxy proxy = new ThrottledProxy(server, new InetSocketAddress(host, authority.getPort()), latency,
                new LinkPacer(bitsPerSecond));
        proxy.threads.execute(proxy::acceptLoop);
        return proxy;
    }

    /** {@code 127.0.0.1:<port>}: the registry host of image references pulled over the slow link. */
    public String hostPort() {
        return server.getInetAddress().getHostAddress() + ":" + server.getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // Best effort: the sockets below are closed regardless.
        }
        sockets.forEach(ThrottledProxy::closeQuietly);
        threads.shutdownNow();
        try {
            threads.awaitTermination(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> connect(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void connect(Socket client) {
        Socket registry = new Socket();
        sockets.add(client);
        sockets.add(registry);
        try {
            sleepUntil(System.nanoTime() + latency.toNanos()); // the TCP handshake's round trip
            registry.connect(upstream, (int) STOP_TIMEOUT.toMillis());
            client.setTcpNoDelay(true);
            registry.setTcpNoDelay(true);
        } catch (IOException e) {
            closeBoth(client, registry);
            return;
        }
        threads.execute(() -> relay(client, registry, true));
        relay(registry, client, false);
    }

    /** Copies {@code from} to {@code to}: requests delayed by the latency, answers paced by the link. */
    private void relay(Socket from, Socket to, boolean requests) {
        byte[] buffer = new byte[STEP];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sleepUntil(requests ? System.nanoTime() + latency.toNanos() : pacer.book(System.nanoTime(), n));
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeBoth(from, to);
        }
    }

    private static void sleepUntil(long deadline) throws IOException {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                throw new IOException("interrupted: the proxy is closing");
            }
        }
    }

    private void closeBoth(Socket a, Socket b) {
        closeQuietly(a);
        closeQuietly(b);
        sockets.remove(a);
        sockets.remove(b);
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Already broken.
        }
    }
}
