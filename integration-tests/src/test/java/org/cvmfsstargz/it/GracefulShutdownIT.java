package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotResponse;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.cvmfsstargz.snapshotter.Daemon;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping the daemon (what SIGTERM does) lets a call in flight finish and answers new calls
 * with UNAVAILABLE. The daemon runs in the test's JVM with a layer source that holds a Prepare
 * for a while, so that the stop surely begins while the call is in flight.
 */
@Timeout(60)
class GracefulShutdownIT {
    private static final Duration HOLD = Duration.ofSeconds(2);

    @TempDir
    Path tmp;

    @Test
    void aPrepareInFlightWhenTheDaemonStopsCompletesAndNewCallsAreRefused() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        LayerSource slow = new LayerSource() {
            @Override
            public String name() {
                return "slow";
            }

            @Override
            public LayerClaim claim(LayerRequest request) throws InterruptedException {
                entered.countDown();
                Thread.sleep(HOLD);
                return new LayerClaim.NotMine("held for the test");
            }
        };
        Path socket = tmp.resolve("s.sock");
        Daemon daemon = Daemon.start(new DaemonConfig(socket, tmp.resolve("root"), 30, "info", null),
                new LayerSourceChain(List.of(slow)));
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
        // Own threads: the common pool may have a single thread on a small machine.
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            SnapshotsGrpc.SnapshotsBlockingStub stub = SnapshotsGrpc.newBlockingStub(channel);
            CompletableFuture<PrepareSnapshotResponse> inFlight = CompletableFuture.supplyAsync(() -> stub.prepare(
                    PrepareSnapshotRequest.newBuilder().setKey("extract")
                            .putLabels(RemoteLabels.TARGET, "sha256:held").build()), threads);
            assertThat(entered.await(20, TimeUnit.SECONDS)).as("the Prepare reached the source").isTrue();

            CompletableFuture<Void> stopping = CompletableFuture.runAsync(daemon::close, threads);
            Thread.sleep(HOLD.dividedBy(2));
            assertThat(stopping).as("the stop waits while the call is in flight").isNotDone();
            PrepareSnapshotResponse response = inFlight.get(20, TimeUnit.SECONDS);
            stopping.get(20, TimeUnit.SECONDS);

            assertThat(response.getMountsList()).singleElement()
                    .satisfies(m -> assertThat(m.getType()).isEqualTo("bind"));
            assertThatThrownBy(() -> stub.stat(StatSnapshotRequest.newBuilder().setKey("extract").build()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            assertThat(socket).doesNotExist();
        } finally {
            threads.shutdownNow();
            channel.shutdownNow();
            daemon.close();
        }
    }

    @Test
    void aCallStillRunningPastTheGraceIsInterruptedAndEndsBeforeTheStoreCloses() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch ended = new CountDownLatch(1);
        LayerSource stuck = new LayerSource() {
            @Override
            public String name() {
                return "stuck";
            }

            @Override
            public LayerClaim claim(LayerRequest request) throws InterruptedException {
                entered.countDown();
                try {
                    Thread.sleep(Duration.ofMinutes(5)); // far past the grace: only a cancellation ends it
                    return new LayerClaim.NotMine("held for the test");
                } finally {
                    ended.countDown();
                }
            }
        };
        Path socket = tmp.resolve("s.sock");
        Daemon daemon = Daemon.start(new DaemonConfig(socket, tmp.resolve("root"), 1, "info", null),
                new LayerSourceChain(List.of(stuck)));
        ManagedChannel channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create())
                .build();
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
        try {
            SnapshotsGrpc.SnapshotsBlockingStub stub = SnapshotsGrpc.newBlockingStub(channel);
            CompletableFuture<PrepareSnapshotResponse> inFlight = CompletableFuture.supplyAsync(() -> stub.prepare(
                    PrepareSnapshotRequest.newBuilder().setKey("extract")
                            .putLabels(RemoteLabels.TARGET, "sha256:stuck").build()), threads);
            assertThat(entered.await(20, TimeUnit.SECONDS)).as("the Prepare reached the source").isTrue();

            daemon.close();

            // Ordering, not time: when close returns (and with it the store is closed), the call's
            // thread has already ended, so nothing it does afterwards can reach the closed store.
            assertThat(ended.getCount()).as("the call ended before the daemon closed its store").isZero();
            // The client is answered, never left waiting: UNAVAILABLE or CANCELLED if the
            // cancellation reached its connection first, else the answer of a call that ended on
            // its interruption (a layer source that was interrupted declines the layer).
            try {
                inFlight.get(20, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOfSatisfying(StatusRuntimeException.class,
                        c -> assertThat(c.getStatus().getCode()).isIn(Status.Code.UNAVAILABLE, Status.Code.CANCELLED));
            }
        } finally {
            threads.shutdownNow();
            channel.shutdownNow();
            daemon.close();
        }
    }
}
