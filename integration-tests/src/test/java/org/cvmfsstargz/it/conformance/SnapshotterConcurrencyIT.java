package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;

import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsResponse;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.cvmfsstargz.proto.types.Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Many clients at once, as containerd's parallel pulls and its CRI stats loop produce them: id
 * allocation and key claims must be atomic (reference §6 theme 1) and an open List stream must
 * not hold a lock that blocks other calls (§2.7, StatInWalk).
 */
class SnapshotterConcurrencyIT {
    private static final int THREADS = 8;
    private static final int LAYERS = 6;

    @RegisterExtension
    final SnapshotterSession session = SnapshotterSession.perTest();

    private SnapshotsClient client() {
        return session.client();
    }

    private static <T> List<T> runAll(ExecutorService pool, List<Callable<T>> tasks) throws Exception {
        List<T> results = new ArrayList<>();
        for (Future<T> f : pool.invokeAll(tasks, 120, TimeUnit.SECONDS)) {
            results.add(f.get());
        }
        return results;
    }

    @Test
    void eightThreadsBuildingAndRemovingChainsInParallelLeaveConsistentState() throws Exception {
        Map<String, Path> dirsByKey = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            List<Callable<Void>> builders = IntStream.range(0, THREADS).<Callable<Void>>mapToObj(t -> () -> {
                String parent = "";
                for (int i = 0; i < LAYERS; i++) {
                    String key = "t" + t + "-a" + i;
                    dirsByKey.put(key, SnapshotsClient.fsDir(client().prepare(key, parent)));
                    client().commit("t" + t + "-c" + i, key);
                    parent = "t" + t + "-c" + i;
                    client().stat(parent);
                }
                return null;
            }).toList();
            runAll(pool, builders);

            assertThat(new HashSet<>(dirsByKey.values())).as("every snapshot got its own directory")
                    .hasSize(THREADS * LAYERS);
            List<Info> all = client().list();
            assertThat(all).hasSize(THREADS * LAYERS).allMatch(i -> i.getKind() == Kind.COMMITTED);
            for (Info info : all) {
                int layer = Integer.parseInt(info.getName().substring(info.getName().indexOf("-c") + 2));
                String thread = info.getName().substring(0, info.getName().indexOf('-'));
                assertThat(info.getParent()).as(info.getName())
                        .isEqualTo(layer == 0 ? "" : thread + "-c" + (layer - 1));
            }

            List<Callable<Void>> removers = IntStream.range(0, THREADS).<Callable<Void>>mapToObj(t -> () -> {
                assertThat(failure(() -> client().remove("t" + t + "-c0")).getCode())
                        .isEqualTo(Status.Code.FAILED_PRECONDITION);
                for (int i = LAYERS - 1; i >= 0; i--) {
                    client().remove("t" + t + "-c" + i);
                    assertThat(client().list("parent==t" + t + "-c" + i)).isEmpty();
                }
                client().prepare("t" + t + "-c0", "");
                return null;
            }).toList();
            runAll(pool, removers);
        }
        assertThat(client().listNames()).containsExactlyInAnyOrderElementsOf(
                IntStream.range(0, THREADS).mapToObj(t -> "t" + t + "-c0").toList());
    }

    @Test
    void ofTwoConcurrentPreparesOfOneKeyExactlyOneWinsAndTheOtherGetsAlreadyExists() throws Exception {
        client().prepare("base-a", "");
        client().commit("base", "base-a");
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            for (int round = 0; round < 30; round++) {
                String key = "race-" + round;
                boolean mixed = round % 3 == 2;
                CyclicBarrier start = new CyclicBarrier(2);
                List<Callable<Optional<Status.Code>>> racers = List.of(
                        () -> attempt(start, () -> client().prepare(key, "base")),
                        () -> attempt(start, () -> {
                            if (mixed) {
                                client().view(key, "base");
                            } else {
                                client().prepare(key, "base");
                            }
                        }));
                List<Optional<Status.Code>> outcomes = runAll(pool, racers);

                assertThat(outcomes).as("round %d", round).filteredOn(Optional::isEmpty).hasSize(1);
                assertThat(outcomes).as("round %d", round).filteredOn(Optional::isPresent)
                        .containsExactly(Optional.of(Status.Code.ALREADY_EXISTS));
                Kind kind = client().stat(key).getKind();
                if (mixed) {
                    assertThat(kind).isEqualTo(outcomes.getFirst().isEmpty() ? Kind.ACTIVE : Kind.VIEW);
                } else {
                    assertThat(kind).isEqualTo(Kind.ACTIVE);
                }
                assertThat(client().list("name==" + key)).hasSize(1);
            }
        }
    }

    private static Optional<Status.Code> attempt(CyclicBarrier start, Runnable call) throws Exception {
        start.await(30, TimeUnit.SECONDS);
        try {
            call.run();
            return Optional.empty();
        } catch (StatusRuntimeException e) {
            return Optional.of(e.getStatus().getCode());
        }
    }

    /**
     * A List stream whose first message alone has been read, on its own connection with a small
     * flow-control window so the daemon cannot finish sending, while other threads call Stat.
     */
    @Test
    void statCallsAnswerWhileAListStreamIsHeldOpenAfterItsFirstMessage() throws Exception {
        int count = 300;
        String padding = "p".repeat(3000);
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            runAll(pool, IntStream.range(0, count).<Callable<List<Mount>>>mapToObj(
                    i -> () -> client().prepare("held-" + i, "", Map.of("padding", padding, "i", "" + i))).toList());
        }
        ManagedChannel streamChannel = session.newChannel(SnapshotterConcurrencyIT::shrinkFlowControlWindow);
        Context.CancellableContext streamContext = Context.current().withCancellation();
        try {
            Iterator<ListSnapshotsResponse> stream = streamContext.call(() -> SnapshotsGrpc
                    .newBlockingStub(streamChannel).withDeadlineAfter(120, TimeUnit.SECONDS)
                    .list(ListSnapshotsRequest.newBuilder().setSnapshotter(SnapshotsClient.SNAPSHOTTER).build()));
            List<Info> first = stream.next().getInfoList();
            assertThat(first).isNotEmpty();

            Set<String> answered = Collections.newSetFromMap(new ConcurrentHashMap<>());
            try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
                runAll(pool, IntStream.range(0, 4).<Callable<Void>>mapToObj(t -> () -> {
                    for (int i = t; i < count; i += 4) {
                        Info info = client().stat("held-" + i);
                        assertThat(info.getLabelsMap()).containsEntry("i", "" + i);
                        answered.add(info.getName());
                    }
                    return null;
                }).toList());
            }
            assertThat(answered).hasSize(count);
            for (Info info : first) {
                assertThat(client().stat(info.getName())).isEqualTo(info);
            }
        } finally {
            streamContext.cancel(null);
        }
        assertThat(client().list()).as("the daemon serves a full listing after the abandoned stream")
                .hasSize(count);
        client().remove("held-0");
        assertThat(failure(() -> client().stat("held-0")).getCode()).isEqualTo(Status.Code.NOT_FOUND);
    }

    /** Netty's builder takes a fixed window; other transports keep their default, which is still finite. */
    private static void shrinkFlowControlWindow(ManagedChannelBuilder<?> builder) {
        if (builder instanceof NettyChannelBuilder netty) {
            netty.flowControlWindow(16 * 1024);
        }
    }
}
