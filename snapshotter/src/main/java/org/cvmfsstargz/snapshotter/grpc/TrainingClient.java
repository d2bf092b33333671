package org.cvmfsstargz.snapshotter.grpc;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.proto.snapshots.v1.CleanupRequest;
import org.cvmfsstargz.proto.snapshots.v1.CommitSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.MountsRequest;
import org.cvmfsstargz.proto.snapshots.v1.PrepareSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.RemoveSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.snapshots.v1.StatSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UpdateSnapshotRequest;
import org.cvmfsstargz.proto.snapshots.v1.UsageRequest;
import org.cvmfsstargz.proto.snapshots.v1.ViewSnapshotRequest;
import org.cvmfsstargz.proto.types.Mount;

/**
 * For the training run that makes the daemon's AOT cache: calls the daemon over its socket as
 * containerd's unpacker and runtime do: Prepare of each layer
 * with the labels of a labelled pull (answered ALREADY_EXISTS when a source claims it, otherwise
 * committed empty, as if containerd had unpacked it), then a container's snapshot, its mounts, a
 * view, usage, an update, listings, and removal of everything.
 *
 * <p>Not thread-safe; closed by the training run.
 */
public final class TrainingClient implements AutoCloseable {
    private final EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ManagedChannel channel;
    private final SnapshotsGrpc.SnapshotsBlockingStub stub;

    public TrainingClient(Path socket) {
        channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .channelType(EpollDomainSocketChannel.class).eventLoopGroup(loop).usePlaintext().build();
        stub = SnapshotsGrpc.newBlockingStub(channel);
    }

    /** One layer of an image being unpacked: its chain ID and the labels its Prepare carries. */
    public record Layer(String chainId, Map<String, String> labels) {
        public Layer {
            labels = Map.copyOf(labels);
        }
    }

    /** Unpacks {@code layers} in order; returns whether a layer source claimed each. */
    public List<Boolean> unpack(String namespace, List<Layer> layers) {
        List<Boolean> claimed = new ArrayList<>();
        String parent = "";
        for (Layer layer : layers) {
            String key = namespace + "/1/extract-" + layer.chainId().substring(7, 19) + " " + layer.chainId();
            try {
                call().prepare(PrepareSnapshotRequest.newBuilder().setKey(key).setParent(parent)
                        .putAllLabels(layer.labels()).build());
                call().commit(CommitSnapshotRequest.newBuilder().setName(layer.chainId()).setKey(key)
                        .putLabels("containerd.io/snapshot.ref", layer.chainId()).build());
                claimed.add(false);
            } catch (StatusRuntimeException e) {
                if (e.getStatus().getCode() != Status.Code.ALREADY_EXISTS) {
                    throw e;
                }
                claimed.add(true);
            }
            call().stat(StatSnapshotRequest.newBuilder().setKey(layer.chainId()).build());
            parent = layer.chainId();
        }
        return claimed;
    }

    /**
     * A container's life on {@code parent}: prepare, mounts, a view, usage, labels, listing.
     *
     * @return the directory its mount stacks right below the container's own (the top layer's content)
     */
    public Optional<Path> container(String namespace, String parent) {
        String key = namespace + "/2/container";
        List<Mount> mounts = call().prepare(PrepareSnapshotRequest.newBuilder().setKey(key).setParent(parent)
                .build()).getMountsList();
        call().mounts(MountsRequest.newBuilder().setKey(key).build());
        call().view(ViewSnapshotRequest.newBuilder().setKey(namespace + "/3/view").setParent(parent).build());
        call().usage(UsageRequest.newBuilder().setKey(key).build());
        Info info = call().stat(StatSnapshotRequest.newBuilder().setKey(key).build()).getInfo();
        call().update(UpdateSnapshotRequest.newBuilder().setInfo(info.toBuilder()
                .putLabels("containerd.io/gc.root", "training")).build());
        list("labels.\"containerd.io/snapshot.ref\"==" + parent);
        list("parent==" + parent);
        return mounts.stream().flatMap(m -> m.getOptionsList().stream()).filter(o -> o.startsWith("lowerdir="))
                .map(o -> Path.of(o.substring("lowerdir=".length()).split(":")[0])).findFirst();
    }

    /** Removes every snapshot, children first, then asks for a cleanup. */
    public void removeAll() {
        List<Info> all = list("");
        while (!all.isEmpty()) {
            for (Info info : all) {
                boolean hasChild = all.stream().anyMatch(other -> other.getParent().equals(info.getName()));
                if (!hasChild) {
                    call().remove(RemoveSnapshotRequest.newBuilder().setKey(info.getName()).build());
                }
            }
            all = list("");
        }
        call().cleanup(CleanupRequest.newBuilder().build());
    }

    private List<Info> list(String filter) {
        List<Info> all = new ArrayList<>();
        ListSnapshotsRequest.Builder request = ListSnapshotsRequest.newBuilder();
        if (!filter.isEmpty()) {
            request.addFilters(filter);
        }
        call().list(request.build()).forEachRemaining(batch -> all.addAll(batch.getInfoList()));
        return all;
    }

    private SnapshotsGrpc.SnapshotsBlockingStub call() {
        return stub.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
