package org.cvmfsstargz.it.conformance;

import com.google.protobuf.FieldMask;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.cvmfsstargz.proto.snapshots.v1.CommitSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsResponse;
import org.cvmfsstargz.proto.snapshots.v1.MountsRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.RemoveSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc.SnapshotsBlockingStub;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UpdateSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UsageRequest;
import org.cvmfsstargz.proto.snapshots.v1.UsageResponse;
import org.cvmfsstargz.proto.snapshots.v1.ViewSnapshotRequest;
import org.cvmfsstargz.proto.types.Mount;

/**
 * The Snapshots service as containerd's proxy snapshotter calls it: one method per RPC, requests
 * built the way {@code snapshots/proxy} builds them (an Update always carries a field mask, possibly
 * empty). Each call gets a fresh stub, hence a fresh deadline. Errors surface unchanged as
 * {@link StatusRuntimeException}; {@link #failure} captures one for assertions.
 *
 * <p>Thread-safe: the stubs share one channel, which the daemon owner closes.
 */
final class SnapshotsClient {
    /** The proxy plugin name containerd would send; a single-snapshotter server ignores it. */
    static final String SNAPSHOTTER = "cvmfs-stargz";

    /** containerd's suite puts a gc.root label with the suite's start time on most snapshots. */
    static final Map<String, String> GC_ROOT =
            Map.of("containerd.io/gc.root", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());

    private final Supplier<SnapshotsBlockingStub> stubs;

    SnapshotsClient(Supplier<SnapshotsBlockingStub> stubs) {
        this.stubs = stubs;
    }

    SnapshotsBlockingStub stub() {
        return stubs.get();
    }

    List<Mount> prepare(String key, String parent) {
        return prepare(key, parent, GC_ROOT);
    }

    List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        return stub().prepare(PrepareSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER)
                .setKey(key).setParent(parent).putAllLabels(labels).build()).getMountsList();
    }

    List<Mount> view(String key, String parent) {
        return view(key, parent, GC_ROOT);
    }

    List<Mount> view(String key, String parent, Map<String, String> labels) {
        return stub().view(ViewSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER)
                .setKey(key).setParent(parent).putAllLabels(labels).build()).getMountsList();
    }

    List<Mount> mounts(String key) {
        return stub().mounts(MountsRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build())
                .getMountsList();
    }

    void commit(String name, String key) {
        commit(name, key, GC_ROOT);
    }

    void commit(String name, String key, Map<String, String> labels) {
        stub().commit(CommitSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER)
                .setName(name).setKey(key).putAllLabels(labels).build());
    }

    void remove(String key) {
        stub().remove(RemoveSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build());
    }

    Info stat(String key) {
        return stub().stat(StatSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build())
                .getInfo();
    }

    /** Update with a field mask of exactly {@code paths} (empty when none), as the proxy sends it. */
    Info update(Info info, String... paths) {
        return stub().update(UpdateSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setInfo(info)
                .setUpdateMask(FieldMask.newBuilder().addAllPaths(List.of(paths))).build()).getInfo();
    }

    /** Update with no field mask at all, which a server must treat like an empty one. */
    Info updateWithoutMask(Info info) {
        return stub().update(UpdateSnapshotRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setInfo(info).build())
                .getInfo();
    }

    /** Every Info of every batch of the List stream, read to its end. */
    List<Info> list(String... filters) {
        Iterator<ListSnapshotsResponse> batches = stub().list(ListSnapshotsRequest.newBuilder()
                .setSnapshotter(SNAPSHOTTER).addAllFilters(List.of(filters)).build());
        List<Info> infos = new ArrayList<>();
        batches.forEachRemaining(batch -> infos.addAll(batch.getInfoList()));
        return infos;
    }

    /** Names of {@link #list}'s result, sorted. */
    List<String> listNames(String... filters) {
        return list(filters).stream().map(Info::getName).sorted().toList();
    }

    UsageResponse usage(String key) {
        return stub().usage(UsageRequest.newBuilder().setSnapshotter(SNAPSHOTTER).setKey(key).build());
    }

    /** Runs {@code call} and returns the gRPC status it failed with; fails the test when it succeeds. */
    static Status failure(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
        throw new AssertionError("expected the RPC to fail with a gRPC status, but it succeeded");
    }

    /**
     * The snapshot's own content directory named by its mounts: a bind mount's source, or an
     * overlay's upperdir. Only meaningful for active snapshots and parentless views.
     */
    static Path fsDir(List<Mount> mounts) {
        Mount m = mounts.getFirst();
        if (m.getType().equals("bind")) {
            return Path.of(m.getSource());
        }
        return Path.of(m.getOptionsList().stream().filter(o -> o.startsWith("upperdir=")).findFirst()
                .orElseThrow(() -> new AssertionError("no upperdir in " + mounts))
                .substring("upperdir=".length()));
    }

    /** A Timestamp as an Instant, for time-window checks. */
    static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
