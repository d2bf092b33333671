package org.cvmfsstargz.snapshotter.grpc;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on a Unix socket, through Netty's epoll transport. The socket is created with
 * mode 0660 (its directory created if missing); a stale socket file left by a dead daemon is
 * replaced, while a live daemon on the same path is refused. The socket appears at its path only
 * once the server has answered calls of its own ({@link SnapshotsWarmUp}), so containerd's first
 * connection finds a warm server. Calls run on virtual threads, since they block on the store,
 * the disk and the network.
 *
 * <p>Started and stopped by the composition root; {@link #stop} finishes calls in flight.
 */
public final class SocketServer {
    /** containerd's proxy client sends and accepts messages up to 16 MiB. */
    private static final int MAX_MESSAGE_BYTES = 16 << 20;
    /** Far beyond what the warm-up takes even on a loaded node; past it the server cannot serve. */
    private static final Duration WARM_UP_DEADLINE = Duration.ofSeconds(60);
    /** How long calls cancelled at the end of the grace have to end, once interrupted. */
    private static final Duration CANCEL_WAIT = Duration.ofSeconds(5);

    private final Path socket;
    private final Server server;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ExecutorService calls;

    private SocketServer(Path socket, Server server, EventLoopGroup boss, EventLoopGroup workers,
            ExecutorService calls) {
        this.socket = socket;
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.calls = calls;
    }

    /**
     * Binds {@code socket} and starts serving {@code service} (containerd's Snapshots service, with
     * its interceptors, if any), warmed up before the socket is published.
     */
    public static SocketServer start(Path socket, ServerServiceDefinition service) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("Netty's epoll transport is unavailable on this machine ("
                    + Epoll.unavailabilityCause() + "); a Linux x86_64 or aarch64 host is required");
        }
        prepareSocketPath(socket);
        // Bound under a temporary name, given its mode, then renamed: whoever can connect to the
        // socket's path finds it with its final mode, never with the umask's.
        Path bound = socket.resolveSibling("." + socket.getFileName() + ".new-" + ProcessHandle.current().pid());
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
        ExecutorService calls = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("rpc-", 0).factory());
        Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(bound.toString()))
                .channelType(EpollServerDomainSocketChannel.class)
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .executor(calls)
                .maxInboundMessageSize(MAX_MESSAGE_BYTES)
                .addService(service)
                .build();
        try {
            Files.deleteIfExists(bound);
            server.start();
            Files.setPosixFilePermissions(bound, PosixFilePermissions.fromString("rw-rw----"));
            SnapshotsWarmUp.run(bound, workers, WARM_UP_DEADLINE);
            Files.move(bound, socket, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            abandon(server, bound, boss, workers, calls);
            throw new UncheckedIOException("cannot serve on " + socket + ": " + e.getMessage(), e);
        } catch (StatusRuntimeException e) {
            abandon(server, bound, boss, workers, calls);
            throw new IllegalStateException("the server bound for " + socket + " failed its own warm-up call: "
                    + e.getStatus(), e);
        }
        return new SocketServer(socket, server, boss, workers, calls);
    }

    private static void abandon(Server server, Path bound, EventLoopGroup boss, EventLoopGroup workers,
            ExecutorService calls) {
        server.shutdownNow();
        deleteQuietly(bound);
        boss.shutdownGracefully();
        workers.shutdownGracefully();
        calls.shutdown();
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // The start-up failure being reported matters more.
        }
    }

    private static void prepareSocketPath(Path socket) {
        try {
            Path dir = socket.toAbsolutePath().getParent();
            if (!Files.isDirectory(dir)) {
                Files.createDirectories(dir);
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            }
            if (Files.exists(socket)) {
                if (answers(socket)) {
                    throw new IllegalStateException("another process is serving " + socket + "; stop it (is a"
                            + " cvmfs-stargz-snapshotter already running?) or configure another socket");
                }
                Files.delete(socket); // stale: left by a daemon that died
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare socket " + socket + ": " + e.getMessage(), e);
        }
    }

    private static boolean answers(Path socket) {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    /**
     * Stops accepting calls, lets calls in flight finish for up to {@code grace}, then cancels
     * those still running: their clients are answered UNAVAILABLE and their threads interrupted,
     * and this waits up to {@link #CANCEL_WAIT} in all for those threads to end. Cancelling the call
     * alone would leave its thread running on into whatever the owner closes next (the store).
     *
     * @return whether every call's thread has ended; if not, the owner must not close what calls use
     */
    public boolean stop(Duration grace) {
        server.shutdown();
        try {
            if (server.awaitTermination(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                calls.shutdown();
                return calls.awaitTermination(CANCEL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            long deadline = System.nanoTime() + CANCEL_WAIT.toNanos();
            server.shutdownNow();
            calls.shutdownNow(); // interrupts what is still running: blocking calls end early
            server.awaitTermination(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            return calls.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            server.shutdownNow();
            calls.shutdownNow();
            Thread.currentThread().interrupt();
            return false;
        } finally {
            boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            try {
                Files.deleteIfExists(socket);
            } catch (IOException ignored) {
                // A stale socket is replaced at the next start.
            }
        }
    }

    /** Blocks until the server has stopped. */
    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }
}
