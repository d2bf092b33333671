package org.cvmfsstargz.snapshotter.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.core.store.MetaStore;
import org.cvmfsstargz.snapshotter.core.store.Provenance;
import org.cvmfsstargz.snapshotter.core.store.SnapshotRecord;
import org.cvmfsstargz.snapshotter.core.store.Tx;

/**
 * A {@link MetaStore} that makes the process "die" at a chosen step of the test's thread: it
 * throws {@link Crash}, an {@link Error}, which no {@code catch (RuntimeException)} in the core
 * runs cleanup for, as a real crash runs none. The steps, in the order an operation meets them:
 * the start of a write transaction (the directory is staged, nothing recorded), after each change
 * inside it (the row is there, the directory not yet renamed), the end of its body (the rename is
 * done, the transaction not committed: the store rolls it back, as SQLite does at the next open),
 * and after its commit (recorded, nothing after it done: a release, a deletion). Writes of other
 * threads (the background cleaner) pass through uncounted, so the steps are deterministic.
 */
final class CrashingStore implements MetaStore {
    /** The simulated death of the process. */
    static final class Crash extends Error {
        Crash(String step) {
            super("crashed " + step);
        }
    }

    private final MetaStore delegate;
    private final Thread counted;
    private final int crashAt;
    private final List<String> passed = new ArrayList<>();

    /** Crashes at step {@code crashAt} (0-based) of {@code counted}'s writes; never if it is past the last. */
    CrashingStore(MetaStore delegate, Thread counted, int crashAt) {
        this.delegate = delegate;
        this.counted = counted;
        this.crashAt = crashAt;
    }

    /** The steps passed so far, the crashing one last. */
    List<String> steps() {
        return List.copyOf(passed);
    }

    private void step(String name) {
        if (Thread.currentThread() != counted) {
            return;
        }
        passed.add(name);
        if (passed.size() - 1 == crashAt) {
            throw new Crash(name);
        }
    }

    @Override
    public <T> T read(Body<T> body) {
        return delegate.read(body);
    }

    @Override
    public <T> T write(Body<T> body) {
        step("at the start of a write transaction");
        T result = delegate.write(tx -> {
            T r = body.run(new CrashingTx(tx));
            step("at the end of a transaction's body, before its commit");
            return r;
        });
        step("after a commit");
        return result;
    }

    @Override
    public void close() {
        delegate.close();
    }

    private final class CrashingTx implements Tx {
        private final Tx tx;

        CrashingTx(Tx tx) {
            this.tx = tx;
        }

        @Override
        public Optional<SnapshotRecord> find(String key) {
            return tx.find(key);
        }

        @Override
        public SnapshotRecord insert(String key, Kind kind, Optional<Long> parentId, Map<String, String> labels,
                Instant now) {
            SnapshotRecord r = tx.insert(key, kind, parentId, labels, now);
            step("after the row of " + key + " is inserted");
            return r;
        }

        @Override
        public SnapshotRecord commit(long id, String name, Optional<Long> parentId, Map<String, String> labels,
                Usage usage, Instant now) {
            SnapshotRecord r = tx.commit(id, name, parentId, labels, usage, now);
            step("after the row of " + name + " is committed");
            return r;
        }

        @Override
        public SnapshotRecord recordProvenance(long id, Provenance provenance) {
            SnapshotRecord r = tx.recordProvenance(id, provenance);
            step("after the provenance of " + r.key() + " is recorded");
            return r;
        }

        @Override
        public SnapshotRecord updateLabels(long id, Map<String, String> labels, Instant now) {
            SnapshotRecord r = tx.updateLabels(id, labels, now);
            step("after the labels are updated");
            return r;
        }

        @Override
        public void delete(long id) {
            tx.delete(id);
            step("after the row of " + id + " is deleted");
        }

        @Override
        public boolean hasChildren(long id) {
            return tx.hasChildren(id);
        }

        @Override
        public List<SnapshotRecord> ancestors(long id) {
            return tx.ancestors(id);
        }

        @Override
        public List<SnapshotRecord> all() {
            return tx.all();
        }

        @Override
        public Set<Long> ids() {
            return tx.ids();
        }
    }
}
