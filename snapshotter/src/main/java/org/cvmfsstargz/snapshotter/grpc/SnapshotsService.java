package org.cvmfsstargz.snapshotter.grpc;

import com.google.protobuf.Empty;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.cvmfsstargz.proto.snapshots.v1.CleanupRequest;
import org.cvmfsstargz.proto.snapshots.v1.CommitSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsResponse;
import org.cvmfsstargz.proto.snapshots.v1.MountsRequest;
import org.cvmfsstargz.proto.snapshots.v1.MountsResponse;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotResponse;
import org.cvmfsstargz.proto.snapshots.v1.RemoveSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotResponse;
import org.cvmfsstargz.proto.snapshots.v1.UpdateSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UpdateSnapshotResponse;
import org.cvmfsstargz.proto.snapshots.v1.UsageRequest;
import org.cvmfsstargz.proto.snapshots.v1.UsageResponse;
import org.cvmfsstargz.proto.snapshots.v1.ViewSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.ViewSnapshotResponse;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;
import org.cvmfsstargz.snapshotter.core.SnapshotQueries;
import org.cvmfsstargz.snapshotter.core.Snapshotter;
import org.cvmfsstargz.snapshotter.core.Usage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * containerd's {@code containerd.services.snapshots.v1.Snapshots} service over the snapshot core.
 * Every RPC goes through {@link #answer}, so each error reaches containerd with the status code
 * it expects and none escapes to grpc-java (which would report UNKNOWN). The {@code snapshotter}
 * field of requests names the proxy plugin and is ignored: this daemon serves one snapshotter.
 *
 * <p>Thread-safe; calls run on virtual threads (see {@link SocketServer}).
 */
public final class SnapshotsService extends SnapshotsGrpc.SnapshotsImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotsService.class);
    /** containerd's own service sends List results in batches of this many. */
    private static final int LIST_BATCH = 100;

    private final Snapshotter snapshotter;
    private final SnapshotQueries queries;

    public SnapshotsService(Snapshotter snapshotter) {
        this.snapshotter = snapshotter;
        this.queries = snapshotter.queries();
    }

    @Override
    public void prepare(PrepareSnapshotRequest r, StreamObserver<PrepareSnapshotResponse> out) {
        answer("Prepare", r.getKey(), out, () -> PrepareSnapshotResponse.newBuilder()
                .addAllMounts(ProtoMapping.mounts(snapshotter.prepare(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
    }

    @Override
    public void view(ViewSnapshotRequest r, StreamObserver<ViewSnapshotResponse> out) {
        answer("View", r.getKey(), out, () -> ViewSnapshotResponse.newBuilder()
                .addAllMounts(ProtoMapping.mounts(snapshotter.view(r.getKey(), r.getParent(), r.getLabelsMap())))
                .build());
    }

    @Override
    public void mounts(MountsRequest r, StreamObserver<MountsResponse> out) {
        answer("Mounts", r.getKey(), out, () -> MountsResponse.newBuilder()
                .addAllMounts(ProtoMapping.mounts(queries.mounts(r.getKey())))
                .build());
    }

    @Override
    public void commit(CommitSnapshotRequest r, StreamObserver<Empty> out) {
        answer("Commit", r.getKey(), out, () -> {
            snapshotter.commit(r.getName(), r.getKey(), r.getLabelsMap(),
                    r.getParent().isEmpty() ? Optional.empty() : Optional.of(r.getParent()));
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void remove(RemoveSnapshotRequest r, StreamObserver<Empty> out) {
        answer("Remove", r.getKey(), out, () -> {
            snapshotter.remove(r.getKey());
            return Empty.getDefaultInstance();
        });
    }

    @Override
    public void stat(StatSnapshotRequest r, StreamObserver<StatSnapshotResponse> out) {
        answer("Stat", r.getKey(), out, () -> StatSnapshotResponse.newBuilder()
                .setInfo(ProtoMapping.info(queries.stat(r.getKey())))
                .build());
    }

    @Override
    public void update(UpdateSnapshotRequest r, StreamObserver<UpdateSnapshotResponse> out) {
        answer("Update", r.getInfo().getName(), out, () -> {
            SnapshotInfo updated = snapshotter.update(r.getInfo().getName(), r.getInfo().getLabelsMap(),
                    r.getUpdateMask().getPathsList());
            return UpdateSnapshotResponse.newBuilder().setInfo(ProtoMapping.info(updated)).build();
        });
    }

    @Override
    public void list(ListSnapshotsRequest r, StreamObserver<ListSnapshotsResponse> out) {
        answer("List", String.join(" OR ", r.getFiltersList()), out, () -> {
            List<Info> batch = new ArrayList<>(LIST_BATCH);
            queries.list(r.getFiltersList(), info -> {
                batch.add(ProtoMapping.info(info));
                if (batch.size() == LIST_BATCH) {
                    out.onNext(ListSnapshotsResponse.newBuilder().addAllInfo(batch).build());
                    batch.clear();
                }
            });
            return ListSnapshotsResponse.newBuilder().addAllInfo(batch).build();
        });
    }

    @Override
    public void usage(UsageRequest r, StreamObserver<UsageResponse> out) {
        answer("Usage", r.getKey(), out, () -> {
            Usage usage = queries.usage(r.getKey());
            return UsageResponse.newBuilder().setSize(usage.size()).setInodes(usage.inodes()).build();
        });
    }

    @Override
    public void cleanup(CleanupRequest r, StreamObserver<Empty> out) {
        answer("Cleanup", "", out, () -> {
            snapshotter.cleanup();
            return Empty.getDefaultInstance();
        });
    }

    /** Runs one RPC: sends the last (or only) message, or the error as its status. */
    private static <T> void answer(String rpc, String subject, StreamObserver<T> out, Supplier<T> body) {
        T last;
        try {
            last = body.get();
        } catch (Throwable e) {
            if (StatusMapping.isExpected(e)) {
                LOG.debug("rpc={} key=\"{}\" status={} message=\"{}\"", rpc, subject,
                        StatusMapping.toStatus(e).getCode(), e.getMessage());
            } else {
                LOG.error("rpc={} key=\"{}\" failed", rpc, subject, e);
            }
            out.onError(StatusMapping.toStatus(e).asRuntimeException());
            return;
        }
        out.onNext(last);
        out.onCompleted();
    }
}
