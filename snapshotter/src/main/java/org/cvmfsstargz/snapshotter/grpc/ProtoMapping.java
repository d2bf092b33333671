package org.cvmfsstargz.snapshotter.grpc;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.List;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.Mount;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;

/** Converts between the core's records and containerd's proto messages. Pure. */
final class ProtoMapping {
    private ProtoMapping() {}

    static Info info(SnapshotInfo info) {
        return Info.newBuilder()
                .setName(info.name())
                .setParent(info.parent())
                .setKind(kind(info.kind()))
                .setCreatedAt(timestamp(info.created()))
                .setUpdatedAt(timestamp(info.updated()))
                .putAllLabels(info.labels())
                .build();
    }

    /** containerd reads any kind it does not know, UNKNOWN included, as committed: never send UNKNOWN. */
    static org.cvmfsstargz.proto.snapshots.v1.Kind kind(Kind kind) {
        return switch (kind) {
            case VIEW -> org.cvmfsstargz.proto.snapshots.v1.Kind.VIEW;
            case ACTIVE -> org.cvmfsstargz.proto.snapshots.v1.Kind.ACTIVE;
            case COMMITTED -> org.cvmfsstargz.proto.snapshots.v1.Kind.COMMITTED;
        };
    }

    static Timestamp timestamp(Instant t) {
        return Timestamp.newBuilder().setSeconds(t.getEpochSecond()).setNanos(t.getNano()).build();
    }

    static List<org.cvmfsstargz.proto.types.Mount> mounts(List<Mount> mounts) {
        return mounts.stream()
                .map(m -> org.cvmfsstargz.proto.types.Mount.newBuilder()
                        .setType(m.type())
                        .setSource(m.source())
                        .addAllOptions(m.options())
                        .build())
                .toList();
    }
}
