package org.cvmfsstargz.stargz.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP/1.1 server on 127.0.0.1 at an ephemeral port whose every answer sends its head and
 * the first bytes of its body, then either stalls (sends nothing more, holding the connection
 * open) or trickles one byte per interval. It counts the connections it accepted and those the
 * client closed, seen as the end of the client's stream.
 */
final class StallingServer implements AutoCloseable {
    private final ServerSocket server;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final String head;
    private final byte[] first;
    private final Duration trickle;
    private final AtomicInteger accepted = new AtomicInteger();
    private final Semaphore closedByClient = new Semaphore(0);

    private StallingServer(String head, byte[] first, Duration trickle) throws IOException {
        this.server = new ServerSocket(0, 16, InetAddress.getByName("127.0.0.1"));
        this.head = head;
        this.first = first;
        this.trickle = trickle;
        threads.execute(this::acceptLoop);
    }

    /** Answers with {@code head} (status line and fields, without the blank line) and {@code first}, then stalls. */
    static StallingServer stalling(String head, byte[] first) throws IOException {
        return new StallingServer(head, first, Duration.ZERO);
    }

    /** Answers with {@code head} and {@code first}, then one byte {@code x} per {@code interval}. */
    static StallingServer trickling(String head, byte[] first, Duration interval) throws IOException {
        return new StallingServer(head, first, interval);
    }

    String hostPort() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    int accepted() {
        return accepted.get();
    }

    /** Whether the client closed {@code count} connections within {@code wait}. */
    boolean awaitClosedByClient(int count, Duration wait) throws InterruptedException {
        return closedByClient.tryAcquire(count, wait.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                threads.execute(() -> answer(socket));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void answer(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            readHead(in);
            OutputStream out = socket.getOutputStream();
            out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(first);
            out.flush();
            if (trickle.isZero()) {
                // Nothing more is sent: the next thing the client does is close the connection.
                while (in.read() >= 0) {
                    // A client sends nothing more on a connection whose answer is unfinished.
                }
            } else {
                while (true) {
                    Thread.sleep(trickle);
                    out.write('x');
                    out.flush();
                }
            }
            closedByClient.release();
        } catch (IOException e) {
            closedByClient.release(); // a reset, or a write into a closed connection: the client closed it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void readHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        while (matched < end.length) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the client closed before its request head ended");
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        threads.shutdownNow();
    }
}
