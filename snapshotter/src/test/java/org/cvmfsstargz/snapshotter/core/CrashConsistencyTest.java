package org.cvmfsstargz.snapshotter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.SnapshotRecord;
import org.cvmfsstargz.snapshotter.core.store.SqliteMetaStore;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash table of {@code docs/design/concurrency-and-restart.md}, proved step by step: each
 * operation runs once per step at which the process could die ({@link CrashingStore}), and after a
 * restart (store, directories and sources opened again, a cleanup) the store holds the state from
 * before the operation, after it, or one the table names in between; every snapshot has its
 * directory with its content, and no other directory is left.
 */
class CrashConsistencyTest {
    private static final Instant T0 = Instant.parse("2026-11-23T10:00:00Z");
    private static final String BASE = "base COMMITTED - -";
    private static final String MARKER = "marker";

    @TempDir
    Path tmp;

    /** Claims every layer offered; may act on the snapshotter meanwhile, as another client would. */
    private static class FakeSource implements LayerSource {
        final List<RemoteSnapshot> restored = new CopyOnWriteArrayList<>();
        volatile Snapshotter snapshotter;
        private final java.util.function.BiConsumer<Snapshotter, LayerRequest> during;

        FakeSource(java.util.function.BiConsumer<Snapshotter, LayerRequest> during) {
            this.during = during;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public LayerClaim claim(LayerRequest request) throws IOException {
            Files.writeString(request.contentDir().resolve("claimed"), request.target());
            during.accept(snapshotter, request);
            return new LayerClaim.Remote(name(), Map.of("fake/layer", request.target()));
        }

        @Override
        public void restore(List<RemoteSnapshot> snapshots) {
            restored.addAll(snapshots);
        }
    }

    /** One run of the daemon over a root: its store, directories and snapshotter. */
    private static final class Process implements AutoCloseable {
        final SqliteMetaStore sqlite;
        final CrashingStore store;
        final SnapshotDirectories dirs;
        final Snapshotter snapshotter;
        final FakeSource source;

        Process(Path root, int crashAt, FakeSource source) throws IOException {
            Files.writeString(root.resolve("no-mounts"), "");
            sqlite = SqliteMetaStore.open(root.resolve("metadata.db"));
            store = new CrashingStore(sqlite, Thread.currentThread(), crashAt);
            dirs = new SnapshotDirectories(root, new MountTable(root.resolve("no-mounts")));
            this.source = source;
            snapshotter = new Snapshotter(store, dirs, new OverlayMounts(false), new LayerSourceChain(List.of(source)),
                    Clock.fixed(T0, ZoneOffset.UTC));
            source.snapshotter = snapshotter;
        }

        /** {@code key kind parent source} of every snapshot, sorted. */
        Set<String> state() {
            return sqlite.read(tx -> tx.all()).stream().map(r -> r.key() + " " + r.info().kind() + " "
                    + (r.info().hasParent() ? r.info().parent() : "-") + " "
                    + r.provenance().map(p -> p.source()).orElse("-")).collect(Collectors.toCollection(TreeSet::new));
        }

        @Override
        public void close() {
            snapshotter.close();
            sqlite.close();
        }
    }

    @FunctionalInterface
    interface Operation {
        /** @param snapshots where the snapshot directories are */
        void run(Snapshotter snapshotter, Path snapshots);
    }

    /** A new source for each run of the daemon. */
    @FunctionalInterface
    interface Sources {
        FakeSource make();
    }

    /**
     * Runs {@code operation} after {@code setup} once per step, crashing at it, then once without a
     * crash; after each, restarts and checks. {@code allowed} lists the states a crash may leave,
     * the state after the operation last. Returns the steps of the run without a crash.
     */
    private List<String> proveEveryStep(Operation setup, Operation operation, Sources sources,
            List<Set<String>> allowed) throws Exception {
        for (int crashAt = 0; ; crashAt++) {
            Path root = Files.createTempDirectory(tmp, "crash-at-" + crashAt + "-");
            Map<Long, String> markers;
            try (Process before = new Process(root, Integer.MAX_VALUE, sources.make())) {
                setup.run(before.snapshotter, before.dirs.snapshotsDir());
                markers = writeMarkers(before);
                assertThat(before.state()).as("the state before").isEqualTo(allowed.getFirst());
            }
            boolean crashed = false;
            List<String> steps;
            try (Process dying = new Process(root, crashAt, sources.make())) {
                try {
                    operation.run(dying.snapshotter, dying.dirs.snapshotsDir());
                } catch (CrashingStore.Crash crash) {
                    crashed = true;
                }
                steps = dying.store.steps();
            }
            String when = crashed ? "after a crash " + steps.getLast() + " (step " + crashAt + " of " + steps + ")"
                    : "without a crash";
            try (Process restarted = new Process(root, Integer.MAX_VALUE, sources.make())) {
                int remote = restarted.snapshotter.restoreRemoteSnapshots(); // in the daemon's order
                restarted.snapshotter.cleanup();
                assertConsistent(restarted, markers, when);
                assertThat(remote).as("remote snapshots handed to their source " + when)
                        .isEqualTo(restarted.source.restored.size());
                if (crashed) {
                    assertThat(allowed).as("states a crash may leave; " + when).contains(restarted.state());
                } else {
                    assertThat(restarted.state()).as("the state " + when).isEqualTo(allowed.getLast());
                    return steps;
                }
            }
        }
    }

    /** Every snapshot's directory is there with its content, and nothing else is under {@code snapshots/}. */
    private static void assertConsistent(Process p, Map<Long, String> markers, String when) throws IOException {
        List<SnapshotRecord> rows = p.sqlite.read(tx -> tx.all());
        Set<String> ids = rows.stream().map(r -> Long.toString(r.id())).collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> entries = Files.list(p.dirs.snapshotsDir())) {
            Set<String> names = entries.map(e -> e.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(names).as("directories under snapshots/ " + when + ": one per snapshot, none lost, none leaked")
                    .isEqualTo(ids);
        }
        for (SnapshotRecord row : rows) {
            assertThat(p.dirs.fs(row.id())).as("fs of " + row.key() + " " + when).isDirectory();
            if (row.info().kind() == Kind.ACTIVE) {
                assertThat(p.dirs.work(row.id())).as("work of " + row.key() + " " + when).isDirectory();
            }
            if (markers.containsKey(row.id())) {
                assertThat(p.dirs.fs(row.id()).resolve(MARKER)).as("content of " + row.key() + " " + when)
                        .hasContent(markers.get(row.id()));
            }
        }
    }

    private static Map<Long, String> writeMarkers(Process p) throws IOException {
        Map<Long, String> markers = new HashMap<>();
        for (SnapshotRecord row : p.sqlite.read(tx -> tx.all())) {
            Files.writeString(p.dirs.fs(row.id()).resolve(MARKER), row.key());
            markers.put(row.id(), row.key());
        }
        return markers;
    }

    private static void base(Snapshotter s, Path snapshots) {
        s.prepare("base-a", "", Map.of());
        s.commit("base", "base-a", Map.of(), Optional.empty());
    }

    private static Set<String> state(String... rows) {
        return new TreeSet<>(List.of(rows));
    }

    private static final Sources CLAIMS = () -> new FakeSource((s, r) -> { });

    @Test
    void aCrashAtAnyStepOfPrepareLeavesTheSnapshotWholeOrAbsent() throws Exception {
        List<String> steps = proveEveryStep(CrashConsistencyTest::base, (s, snapshots) -> s.prepare("c", "base", Map.of()),
                CLAIMS, List.of(state(BASE), state(BASE, "c ACTIVE base -")));
        assertThat(steps).as("staged, row, rename, commit").hasSize(4);
    }

    @Test
    void aCrashAtAnyStepOfViewLeavesTheViewWholeOrAbsent() throws Exception {
        proveEveryStep(CrashConsistencyTest::base, (s, snapshots) -> s.view("v", "base", Map.of()), CLAIMS,
                List.of(state(BASE), state(BASE, "v VIEW base -")));
    }

    @Test
    void aCrashAtAnyStepOfCommitLeavesTheActiveSnapshotOrTheCommittedOneWithTheSameContent() throws Exception {
        proveEveryStep((s, snapshots) -> {
            base(s, snapshots);
            s.prepare("c", "base", Map.of());
        }, (s, snapshots) -> s.commit("c2", "c", Map.of(), Optional.empty()), CLAIMS,
                List.of(state(BASE, "c ACTIVE base -"), state(BASE, "c2 COMMITTED base -")));
    }

    @Test
    void aCrashAtAnyStepOfRemoveLeavesTheSnapshotOrNeitherItsRowNorItsDirectory() throws Exception {
        proveEveryStep((s, snapshots) -> {
            base(s, snapshots);
            s.prepare("c", "base", Map.of());
        }, (s, snapshots) -> s.remove("c"), CLAIMS, List.of(state(BASE, "c ACTIVE base -"), state(BASE)));
        proveEveryStep(CrashConsistencyTest::base, (s, snapshots) -> s.remove("base"), CLAIMS, List.of(state(BASE), state()));
    }

    @Test
    void aCrashAtAnyStepOfAClaimLeavesNothingTheActiveSnapshotOfThePullOrTheRemoteSnapshot() throws Exception {
        List<String> steps = proveEveryStep(CrashConsistencyTest::base, CrashConsistencyTest::pullLayer, CLAIMS,
                List.of(state(BASE), state(BASE, "extract L1 ACTIVE base -"), state(BASE, "L1 COMMITTED base fake")));
        assertThat(steps).as("the active snapshot's steps, then the commit's with its provenance").hasSize(9);
    }

    @Test
    void aCrashAtAnyStepOfAClaimWhosePullWasCancelledLeavesNoMountedLayerBehind() throws Exception {
        Sources cancelling = () -> new FakeSource((s, request) -> s.remove(request.key()));
        proveEveryStep(CrashConsistencyTest::base, CrashConsistencyTest::pullLayer, cancelling,
                List.of(state(BASE), state(BASE, "extract L1 ACTIVE base -"), state(BASE)));
    }

    @Test
    void aCrashAtAnyStepOfAClaimThatLosesTheRaceLeavesOneSnapshotOfTheLayer() throws Exception {
        Sources racing = () -> new FakeSource((s, request) -> {
            s.prepare("other", "base", Map.of());
            s.commit(request.target(), "other", Map.of(), Optional.empty());
        });
        proveEveryStep(CrashConsistencyTest::base, CrashConsistencyTest::pullLayer, racing, List.of(state(BASE),
                state(BASE, "extract L1 ACTIVE base -"), state(BASE, "extract L1 ACTIVE base -", "other ACTIVE base -"),
                state(BASE, "extract L1 ACTIVE base -", "L1 COMMITTED base -"), state(BASE, "L1 COMMITTED base -")));
    }

    @Test
    void aCrashAtAnyStepOfCleanupLeavesOrphansForTheNextCleanupAndNothingElse() throws Exception {
        List<String> steps = proveEveryStep((s, snapshots) -> {
            base(s, snapshots);
            s.prepare("gone", "base", Map.of());
            s.remove("gone");
        }, (s, snapshots) -> {
                        try { // what crashes of Prepare and Remove and a removed snapshot leave
                Files.createDirectories(snapshots.resolve("new-left-by-a-crash").resolve("fs"));
                Files.createDirectories(snapshots.resolve("rm-9-left-by-a-crash").resolve("fs"));
                Files.createDirectories(snapshots.resolve("999").resolve("fs"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            s.cleanup();
        }, CLAIMS, List.of(state(BASE)));
        assertThat(steps).as("orphans claimed in a transaction, deleted after it").hasSize(3);
    }

    private static void pullLayer(Snapshotter s, Path snapshots) {
        try {
            s.prepare("extract L1", "base", Map.of(RemoteLabels.TARGET, "L1"));
        } catch (SnapshotException.AlreadyExists | SnapshotException.NotFound expected) {
            // AlreadyExists: the layer is provided (or was, by the race's winner); NotFound: the pull was cancelled.
        }
    }
}
