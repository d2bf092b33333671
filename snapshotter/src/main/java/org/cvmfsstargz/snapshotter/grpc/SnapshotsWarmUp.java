package org.cvmfsstargz.snapshotter.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UsageRequest;

/**
 * Makes the whole call path hot before containerd can reach it: a client inside the daemon
 * connects to the bound but not yet published socket and makes a few read-only calls, so that
 * accepting a connection, the HTTP/2 preface, a unary call, a streamed List and an error status
 * have each run once and their classes are loaded and initialised. containerd's proxy plugin gives
 * its first connection about one grpc-go backoff step (about a second) to receive the server's
 * preface; a cold Netty/gRPC stack on a busy 2-core node missed it, and that pull failed
 * ({@code timed out waiting for server handshake}).
 *
 * <p>Only Stat, Usage (of a key that cannot exist) and List (with a filter nothing matches) are
 * called, so nothing is created and nothing is logged above debug. Stateless.
 */
final class SnapshotsWarmUp {
    /** A key containerd never makes: its keys are {@code <namespace>/<id>/<name>}. */
    private static final String NO_SUCH_KEY = "cvmfs-stargz-snapshotter/warm-up";
    private static final int ROUNDS = 3;

    private SnapshotsWarmUp() {}

    /**
     * Makes the calls over {@code boundSocket}, with {@code loop} as the client's event loop.
     *
     * @throws StatusRuntimeException if a call fails otherwise than as expected (the server cannot serve)
     */
    static void run(Path boundSocket, EventLoopGroup loop, Duration deadline) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(boundSocket.toString()))
                .channelType(EpollDomainSocketChannel.class)
                .eventLoopGroup(loop)
                .usePlaintext()
                .build();
        try {
            long end = System.nanoTime() + deadline.toNanos();
            for (int round = 0; round < ROUNDS; round++) {
                SnapshotsGrpc.SnapshotsBlockingStub stub = SnapshotsGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
                expectNotFound(() -> stub.stat(StatSnapshotRequest.newBuilder().setKey(NO_SUCH_KEY).build()));
                expectNotFound(() -> stub.usage(UsageRequest.newBuilder().setKey(NO_SUCH_KEY).build()));
                stub.list(ListSnapshotsRequest.newBuilder().addFilters("name==" + NO_SUCH_KEY).build())
                        .forEachRemaining(batch -> { });
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private static void expectNotFound(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }
}
