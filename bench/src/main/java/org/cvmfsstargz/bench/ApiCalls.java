package org.cvmfsstargz.bench;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.cvmfsstargz.proto.snapshots.v1.CommitSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.RemoveSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;

/**
 * The calls the benchmark makes, as containerd's proxy plugin makes them: blocking unary RPCs
 * from many goroutines (here threads) over <em>one</em> channel to the socket. Each
 * {@link ClosedLoop.Operation} it hands out names its keys {@code bench/<run>/<client>/<seq>/...},
 * so clients never share a key and no run reuses one of an earlier run.
 *
 * <p>Thread-safe. Closes the channel it opened.
 */
final class ApiCalls implements AutoCloseable {
    /** The proxy plugin name containerd would send; the daemon ignores it. */
    private static final String SNAPSHOTTER = "cvmfs-stargz";
    /** Far above any expected call: only there so a wedged daemon fails the run instead of hanging it. */
    private static final long DEADLINE_SECONDS = 30;

    private final ManagedChannel channel;
    private final SnapshotsGrpc.SnapshotsBlockingStub stub;
    private final AtomicLong runs = new AtomicLong();

    ApiCalls(Path socket) {
        this.channel = Grpc.newChannelBuilder("unix://" + socket, InsecureChannelCredentials.create()).build();
        this.stub = SnapshotsGrpc.newBlockingStub(channel);
    }

    /** One cycle per call: Prepare(key, parent "", labels {}) → Commit(name, key) → Remove(name). */
    ClosedLoop.Operation cycle() {
        long run = runs.incrementAndGet();
        return (client, seq) -> {
            String base = "bench/" + run + "/" + client + "/" + seq;
            String key = base + "/active";
            String name = base + "/committed";
            calls().prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build());
            try {
                calls().commit(CommitSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER)
                        .setName(name).setKey(key).build());
            } catch (RuntimeException e) {
                removeQuietly(key); // so a failed cycle leaves nothing that slows the next ones
                throw e;
            }
            calls().remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(name).build());
        };
    }

    /**
     * The baseline: Stat of a key that does not exist, answered NOT_FOUND after one indexed read
     * of the store; any other answer is an error of the run.
     */
    ClosedLoop.Operation statMissing() {
        long run = runs.incrementAndGet();
        return (client, seq) -> {
            String key = "bench/" + run + "/" + client + "/" + seq + "/missing";
            try {
                calls().stat(StatSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build());
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                    return;
                }
                throw e;
            }
            throw new IllegalStateException("Stat of " + key + ", which was never created, found a snapshot");
        };
    }

    /** How many snapshots the daemon lists (after the runs: those that failed cycles left behind). */
    long countSnapshots() {
        long count = 0;
        var batches = calls().list(ListSnapshotsRequest.newBuilder().setSnapshotter(SNAPSHOTTER).build());
        while (batches.hasNext()) {
            count += batches.next().getInfoCount();
        }
        return count;
    }

    private void removeQuietly(String key) {
        try {
            calls().remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build());
        } catch (RuntimeException ignored) {
            // The original failure is the one reported.
        }
    }

    /** A stub whose deadline starts now: grpc-java fixes a stub's deadline when it is made. */
    private SnapshotsGrpc.SnapshotsBlockingStub calls() {
        return stub.withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
