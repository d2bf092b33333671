package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.instant;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.FsChange;
import org.cvmfsstargz.it.support.FsTree;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsResponse;
import org.cvmfsstargz.proto.snapshots.v1.SnapshotsGrpc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * containerd 1.6.20's snapshotter conformance suite ({@code snapshots/testsuite}), the tests about
 * snapshot metadata and lifecycle, run against the real daemon over its gRPC socket. Keys are
 * absolute paths under the work directory, as in the Go suite. The tests that mount snapshots
 * and check their content are in {@link SnapshotterLayerContentIT}.
 */
class SnapshotterConformanceIT {
    @RegisterExtension
    final SnapshotterSession session = SnapshotterSession.perTest();

    private SnapshotsClient client() {
        return session.client();
    }

    private String key(String name) {
        return session.work().resolve(name).toString();
    }

    /** Mirrors containerd's {@code Basic} test ({@code checkSnapshotterBasic}). */
    @Test
    void prepareCommitViewAndRemoveFollowTheBasicWorkflow() throws IOException {
        FsChange initial = FsChange.all(
                FsChange.createFile("/foo", "foo\n", 0777),
                FsChange.createDir("/a", 0755),
                FsChange.createDir("/a/b", 0755),
                FsChange.createDir("/a/b/c", 0755));
        FsChange diff = FsChange.all(
                FsChange.createFile("/bar", "bar\n", 0777),
                FsChange.createFile("/foo", "bar\n", 0777),
                FsChange.removeAll("/a/b"));

        Path preparing = session.workDir("preparing");
        session.mounter().mountAll(client().prepare(preparing.toString(), ""), preparing);
        initial.apply(preparing);
        session.mounter().unmount(preparing);

        String committed = key("committed");
        client().commit(committed, preparing.toString());
        Info si = client().stat(committed);
        assertThat(si.getParent()).isEmpty();
        assertThat(si.getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(failure(() -> client().stat(preparing.toString())).getCode())
                .as("the active key is gone after Commit").isEqualTo(Status.Code.NOT_FOUND);

        Path next = session.workDir("nextlayer");
        session.mounter().mountAll(client().prepare(next.toString(), committed), next);
        assertThat(FsTree.differences(applied(initial), next)).isEmpty();
        diff.apply(next);
        session.mounter().unmount(next);

        Info ni = client().stat(next.toString());
        assertThat(ni.getParent()).isEqualTo(committed);
        assertThat(ni.getKind()).isEqualTo(Kind.ACTIVE);

        String nextCommitted = key("committed-next");
        client().commit(nextCommitted, next.toString());
        Info si2 = client().stat(nextCommitted);
        assertThat(si2.getParent()).isEqualTo(committed);
        assertThat(si2.getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(failure(() -> client().stat(next.toString())).getCode()).isEqualTo(Status.Code.NOT_FOUND);

        Map<String, Info> walked = new HashMap<>();
        client().list().forEach(info -> walked.put(info.getName(), info));
        assertThat(walked).containsEntry(committed, si).containsEntry(nextCommitted, si2);

        Path nextnext = session.workDir("nextnextlayer");
        session.mounter().mountAll(client().view(nextnext.toString(), nextCommitted), nextnext);
        try {
            assertThat(FsTree.differences(applied(FsChange.all(initial, diff)), nextnext)).isEmpty();
        } finally {
            session.mounter().unmount(nextnext);
        }
        client().remove(nextnext.toString());

        Status parentRemoval = failure(() -> client().remove(committed));
        assertThat(parentRemoval.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(parentRemoval.getDescription()).contains("remove");
        client().remove(nextCommitted);
        client().remove(committed);
        assertThat(client().list()).isEmpty();
    }

    /** Mirrors containerd's {@code StatActive} test ({@code checkSnapshotterStatActive}). */
    @Test
    void statOfAFreshActiveSnapshotReportsItsKeyKindAndNoParent() throws IOException {
        Path preparing = session.workDir("preparing");
        session.mounter().mountAll(client().prepare(preparing.toString(), ""), preparing);
        Files.writeString(preparing.resolve("foo"), "foo\n");

        Info si = client().stat(preparing.toString());
        assertThat(si.getName()).isEqualTo(preparing.toString());
        assertThat(si.getKind()).isEqualTo(Kind.ACTIVE);
        assertThat(si.getParent()).isEmpty();
    }

    /** Mirrors containerd's {@code StatComitted} test ({@code checkSnapshotterStatCommitted}). */
    @Test
    void statOfACommittedSnapshotReportsItsNameKindAndNoParent() throws IOException {
        Path preparing = session.workDir("preparing");
        session.mounter().mountAll(client().prepare(preparing.toString(), ""), preparing);
        Files.writeString(preparing.resolve("foo"), "foo\n");
        String committed = key("committed");
        client().commit(committed, preparing.toString());

        Info si = client().stat(committed);
        assertThat(si.getName()).isEqualTo(committed);
        assertThat(si.getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(si.getParent()).isEmpty();
    }

    /** Mirrors containerd's {@code TransitivityTest} ({@code checkSnapshotterTransitivity}). */
    @Test
    void parentsAreReportedTransitivelyAlongAChain() throws IOException {
        Path preparing = prepareMounted("preparing", "");
        Files.writeString(preparing.resolve("foo"), "foo\n");
        String snapA = key("snapA");
        client().commit(snapA, preparing.toString());

        Path next = prepareMounted("next", snapA);
        Files.writeString(next.resolve("foo"), "foo bar\n");
        String snapB = key("snapB");
        client().commit(snapB, next.toString());

        Info siA = client().stat(snapA);
        Info siB = client().stat(snapB);
        Info siParentOfB = client().stat(siB.getParent());
        assertThat(siA.getParent()).isEmpty();
        assertThat(siB.getParent()).isEqualTo(snapA);
        assertThat(siParentOfB.getParent()).isEmpty();
    }

    /** Mirrors containerd's {@code PreareViewFailingtest} ({@code checkSnapshotterPrepareView}). */
    @Test
    void prepareOrViewOfAnExistingKeyFailsWithAlreadyExists() throws IOException {
        Path preparing = prepareMounted("preparing", "");
        String snapA = key("snapA");
        client().commit(snapA, preparing.toString());

        String newLayer = key("newlayer");
        client().prepare(newLayer, snapA);
        assertThat(failure(() -> client().view(newLayer, snapA)).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);

        String prepLayer = key("prepLayer");
        client().prepare(prepLayer, snapA);
        assertThat(failure(() -> client().prepare(prepLayer, snapA)).getCode())
                .isEqualTo(Status.Code.ALREADY_EXISTS);

        String viewLayer = key("viewLayer");
        client().view(viewLayer, snapA);
        assertThat(failure(() -> client().view(viewLayer, snapA)).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(client().stat(newLayer).getKind()).as("the failed View left the active key alone")
                .isEqualTo(Kind.ACTIVE);
    }

    /** Mirrors containerd's {@code Update} test ({@code checkUpdate}). */
    @Test
    void updateReplacesOrMasksLabelsAndNeverChangesTheOtherFields() {
        // The daemon keeps at least microsecond precision; compare against the window at that precision.
        Instant t1 = Instant.now().truncatedTo(ChronoUnit.MICROS);
        createBaseSnapshots();
        Instant t2 = Instant.now();
        record Case(String name, Kind kind, String parent) { }
        List<Case> cases = List.of(new Case("c1", Kind.COMMITTED, ""), new Case("c2", Kind.COMMITTED, "c1"),
                new Case("a1", Kind.ACTIVE, "c2"), new Case("a2", Kind.ACTIVE, ""),
                new Case("v1", Kind.VIEW, "c2"), new Case("v2", Kind.VIEW, ""));
        for (Case c : cases) {
            Info st = client().stat(c.name());
            assertThat(instant(st.getCreatedAt())).as("%s created", c.name()).isBetween(t1, t2);
            assertThat(st.getUpdatedAt()).as("%s updated == created", c.name()).isEqualTo(st.getCreatedAt());
            assertThat(List.of(st.getName(), st.getKind(), st.getParent())).as(c.name())
                    .containsExactly(c.name(), c.kind(), c.parent());

            String rootTime = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
            Map<String, String> expected = Map.of("l1", "v1", "l2", "v2", "l3", "v3",
                    "containerd.io/gc.root", rootTime);
            Instant u1 = Instant.now().truncatedTo(ChronoUnit.MICROS);
            Info updated = client().update(st.toBuilder().setParent("doesnotexist").clearLabels()
                    .putAllLabels(expected).build());
            Instant u2 = Instant.now();
            assertThat(updated.getCreatedAt()).as("%s created is kept", c.name()).isEqualTo(st.getCreatedAt());
            assertThat(instant(updated.getUpdatedAt())).as("%s updated", c.name()).isBetween(u1, u2);
            assertThat(List.of(updated.getName(), updated.getKind(), updated.getParent())).as(c.name())
                    .containsExactly(c.name(), c.kind(), c.parent());
            assertThat(updated.getLabelsMap()).as(c.name()).isEqualTo(expected);

            updated = client().update(updated.toBuilder().clearLabels().putLabels("l1", "updated")
                    .putLabels("l4", "v4").build(), "labels.l1", "labels.l2");
            assertThat(updated.getLabelsMap()).as(c.name())
                    .isEqualTo(Map.of("l1", "updated", "l3", "v3", "containerd.io/gc.root", rootTime));

            Map<String, String> replaced = Map.of("l4", "v4", "containerd.io/gc.root", rootTime);
            updated = client().update(updated.toBuilder().clearLabels().putAllLabels(replaced).build(), "labels");
            assertThat(updated.getLabelsMap()).as(c.name()).isEqualTo(replaced);

            Info immutable = updated.toBuilder().setParent("doesnotexist").build();
            assertThat(failure(() -> client().update(immutable, "parent")).getCode()).as(c.name())
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    /** c1 committed; c2 committed on c1; a1 active on c2; a2 active; v1 view on c2; v2 view. */
    private void createBaseSnapshots() {
        client().prepare("c1-a", "");
        client().commit("c1", "c1-a");
        client().prepare("c2-a", "c1");
        client().commit("c2", "c2-a");
        client().prepare("a1", "c2");
        client().prepare("a2", "");
        client().view("v1", "c2");
        client().view("v2", "");
    }

    /** Mirrors containerd's {@code Remove} test ({@code checkRemove}). */
    @Test
    void removedKeysAndNamesCanBeReusedAtOnce() {
        client().prepare("committed-a", "");
        client().commit("committed-1", "committed-a");
        client().prepare("reuse-1", "committed-1");
        client().remove("reuse-1");
        client().view("reuse-1", "committed-1");
        client().remove("reuse-1");
        client().prepare("reuse-1", "");
        client().remove("committed-1");
        client().commit("committed-1", "reuse-1");

        Info reused = client().stat("committed-1");
        assertThat(reused.getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(reused.getParent()).isEmpty();
        assertThat(client().listNames()).containsExactly("committed-1");
    }

    /** Mirrors containerd's {@code Walk} test ({@code checkWalk}): filters sent over the wire. */
    @Test
    void listFiltersSelectByKindNameParentAndLabels() {
        Map<String, String> root = Map.of("containerd.io/gc.root", "check-walk");
        client().prepare("a-np", "", root);
        client().prepare("p-tmp", "", root);
        client().commit("p", "p-tmp", root);
        client().prepare("a", "p", root);
        client().view("v", "p", root);
        client().prepare("p-wl-tmp", "", root);
        client().commit("p-wl", "p-wl-tmp", Map.of("l", "1", "containerd.io/gc.root", "check-walk"));
        client().prepare("a-wl", "p-wl", Map.of("l", "2", "containerd.io/gc.root", "check-walk"));
        client().view("v-wl", "p-wl", Map.of("l", "3", "containerd.io/gc.root", "check-walk"));
        client().prepare("a-np-wl", "", Map.of("l", "2", "containerd.io/gc.root", "check-walk"));

        String gcRoot = "labels.\"containerd.io/gc.root\"==check-walk";
        assertThat(client().listNames(gcRoot))
                .containsExactlyInAnyOrder("a-np", "p", "a", "v", "p-wl", "a-wl", "v-wl", "a-np-wl");
        assertThat(client().listNames("kind==active," + gcRoot)).containsExactlyInAnyOrder("a-np", "a", "a-wl", "a-np-wl");
        assertThat(client().listNames("kind==view," + gcRoot)).containsExactlyInAnyOrder("v", "v-wl");
        assertThat(client().listNames("kind==committed," + gcRoot)).containsExactlyInAnyOrder("p", "p-wl");
        assertThat(client().listNames("name==p", "name==a-np-wl")).containsExactlyInAnyOrder("p", "a-np-wl");
        assertThat(client().listNames("name==a-wl,labels.l")).containsExactly("a-wl");
        assertThat(client().listNames("parent==p")).containsExactlyInAnyOrder("a", "v");
        assertThat(client().listNames("parent!=\"\"," + gcRoot)).containsExactlyInAnyOrder("a", "v", "a-wl", "v-wl");
        assertThat(client().listNames("labels.l")).containsExactlyInAnyOrder("p-wl", "a-wl", "v-wl", "a-np-wl");
        assertThat(client().listNames("labels.l==2")).containsExactlyInAnyOrder("a-wl", "a-np-wl");
    }

    /** Mirrors containerd's {@code RemoveIntermediateSnapshot} test. */
    @Test
    void removingAnIntermediateSnapshotFailsUntilItsChildIsGone() throws IOException {
        Path base = prepareMounted("base", "");
        String committedBase = key("committed-base");
        client().commit(committedBase, base.toString());
        String intermediate = key("intermediate");
        client().prepare(intermediate, committedBase);
        String committedInter = key("committed-inter");
        client().commit(committedInter, intermediate);
        String topLayer = key("toplayer");
        client().prepare(topLayer, committedInter);

        Status refused = failure(() -> client().remove(committedInter));
        assertThat(refused.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(refused.getDescription()).contains("remove");

        client().remove(topLayer);
        client().remove(committedInter);
        session.mounter().unmount(base);
        client().remove(committedBase);
        assertThat(client().list()).isEmpty();
    }

    /**
     * Mirrors containerd's {@code StatInWalk} test: Stat is called for each Info while the List stream
     * that produced it is still open, and must answer with an identical Info.
     */
    @Test
    void statAnswersInsideAnOpenListStreamWithTheSameInfo() {
        String prefix = "stats-in-walk-";
        client().prepare(prefix + "c1-a", "");
        client().commit(prefix + "c1", prefix + "c1-a");
        client().prepare(prefix + "c2-a", prefix + "c1");
        client().commit(prefix + "c2", prefix + "c2-a");
        client().prepare(prefix + "a1", prefix + "c2");
        client().view(prefix + "v1", prefix + "c2");

        Iterator<ListSnapshotsResponse> stream = client().stub()
                .list(ListSnapshotsRequest.newBuilder().setSnapshotter(SnapshotsClient.SNAPSHOTTER).build());
        int statted = 0;
        while (stream.hasNext()) {
            for (Info walked : stream.next().getInfoList()) {
                if (walked.getName().startsWith(prefix)) {
                    assertThat(client().stat(walked.getName())).isEqualTo(walked);
                    statted++;
                }
            }
        }
        assertThat(statted).isEqualTo(4);
    }

    /**
     * Mirrors containerd's {@code CloseTwice} test. Over a proxy, Close only drops the client's
     * connection; closing a connection twice must be harmless and the daemon must keep its state
     * and keep serving new connections.
     */
    @Test
    void closingAClientConnectionTwiceLeavesTheDaemonServing() throws InterruptedException {
        String n = "closeTwice-" + System.nanoTime();
        ManagedChannel channel = session.newChannel(b -> { });
        SnapshotsClient own = new SnapshotsClient(() -> SnapshotsGrpc.newBlockingStub(channel));
        own.prepare(n + "-prepare", "");
        own.commit(n, n + "-prepare");
        own.remove(n);
        channel.shutdown();
        channel.shutdown();
        assertThat(channel.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

        assertThat(session.daemon().process().isAlive()).isTrue();
        assertThat(failure(() -> client().stat(n)).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(failure(() -> client().stat(n + "-prepare")).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        client().prepare(n, "");
        assertThat(client().stat(n).getKind()).isEqualTo(Kind.ACTIVE);
    }

    /** Prepares {@code work/name} on {@code parent} and mounts it on that directory (mode 0777 before). */
    private Path prepareMounted(String name, String parent) throws IOException {
        Path preparing = session.workDir(name);
        session.mounter().mountAll(client().prepare(preparing.toString(), parent), preparing);
        return preparing;
    }

    /** A temporary directory holding exactly what {@code change} creates. */
    private Path applied(FsChange change) throws IOException {
        Path dir = Files.createTempDirectory(session.work(), "fstest");
        change.apply(dir);
        return dir;
    }
}
