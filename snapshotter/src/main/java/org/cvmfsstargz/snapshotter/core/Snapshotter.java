package org.cvmfsstargz.snapshotter.core;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.core.SnapshotException.AlreadyExists;
import org.cvmfsstargz.snapshotter.core.SnapshotException.FailedPrecondition;
import org.cvmfsstargz.snapshotter.core.SnapshotException.InvalidArgument;
import org.cvmfsstargz.snapshotter.core.SnapshotException.NotFound;
import org.cvmfsstargz.snapshotter.core.dirs.DiskUsage;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.MetaStore;
import org.cvmfsstargz.snapshotter.core.store.Provenance;
import org.cvmfsstargz.snapshotter.core.store.SnapshotRecord;
import org.cvmfsstargz.snapshotter.core.store.Tx;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;

/**
 * The snapshots containerd creates, commits and removes, with the semantics of containerd's
 * overlayfs snapshotter; plus the remote-snapshot protocol, through which a layer source may
 * provide a layer so that containerd does not download it.
 *
 * <p>Vocabulary, as containerd's: a <em>key</em> names an active snapshot or view, a
 * <em>name</em> a committed one, in one key space; a <em>parent</em> is always committed.
 *
 * <p>Thread-safe: state lives in the {@link MetaStore}, whose transactions are serialised;
 * directory work and disk measuring happen outside transactions. Reads and queries are in
 * {@link SnapshotQueries}.
 */
public final class Snapshotter {
    private final MetaStore store;
    private final SnapshotDirectories dirs;
    private final OverlayMounts overlay;
    private final LayerSourceChain sources;
    private final Clock clock;
    private final OrphanCleaner cleaner;
    private final RemoteSnapshots remoteSnapshots;

    public Snapshotter(MetaStore store, SnapshotDirectories dirs, OverlayMounts overlay, LayerSourceChain sources,
            Clock clock) {
        this.store = store;
        this.dirs = dirs;
        this.overlay = overlay;
        this.sources = sources;
        this.clock = clock;
        this.cleaner = new OrphanCleaner(store, dirs);
        this.remoteSnapshots = new RemoteSnapshots(store, dirs, sources);
    }

    /** Reads (Stat, List, Usage, Mounts) over the same store and directories. */
    public SnapshotQueries queries() {
        return new SnapshotQueries(store, dirs, overlay, remoteSnapshots);
    }

    /**
     * Hands the snapshots layer sources provided in an earlier run back to them, at start, so
     * that they make the content readable again (a FUSE mount dies with the process that served
     * it). Returns how many there are.
     */
    public int restoreRemoteSnapshots() {
        return remoteSnapshots.restoreAll();
    }

    /** Deletes the directories of removed snapshots and crash leftovers; returns how many. */
    public int cleanup() {
        return cleaner.cleanNow();
    }

    /** Stops background cleanup; pending work is finished first. */
    public void close() {
        cleaner.close();
    }

    /**
     * Creates an active snapshot on {@code parent} and returns its mounts. With a
     * {@code containerd.io/snapshot.ref} label, a layer source may provide the layer instead:
     * then the committed snapshot named by that label exists afterwards and this throws
     * {@link AlreadyExists}, which is how containerd learns it need not download the layer.
     */
    public List<Mount> prepare(String key, String parent, Map<String, String> labels) {
        Optional<String> target = Optional.ofNullable(labels.get(RemoteLabels.TARGET)).filter(t -> !t.isEmpty());
        if (target.isPresent() && !sources.isEmpty()) {
            failIfTargetExists(target.get(), parent);
        }
        Created created = create(Kind.ACTIVE, key, parent, labels);
        if (target.isPresent() && !sources.isEmpty()) {
            offerToSources(created.record(), target.get(), parent, labels);
        }
        return created.mounts();
    }

    /** Creates a read-only view of {@code parent} and returns its mounts. */
    public List<Mount> view(String key, String parent, Map<String, String> labels) {
        return create(Kind.VIEW, key, parent, labels).mounts();
    }

    private record Created(SnapshotRecord record, List<Mount> mounts) {}

    private Created create(Kind kind, String key, String parent, Map<String, String> labels) {
        requireKey(key);
        record Recorded(SnapshotRecord record, List<SnapshotRecord> ancestors) {}
        SnapshotDirectories.Staged staged = dirs.stage(kind == Kind.ACTIVE);
        Recorded recorded;
        try {
            recorded = store.write(tx -> {
                if (tx.find(key).isPresent()) {
                    throw new AlreadyExists("snapshot " + quote(key) + " already exists");
                }
                Optional<Long> parentId = committedParent(tx, key, parent);
                SnapshotRecord record = tx.insert(key, kind, parentId, labels, now());
                dirs.install(staged, record.id());
                return new Recorded(record, tx.ancestors(record.id()));
            });
        } catch (RuntimeException e) {
            dirs.discard(staged);
            throw e;
        }
        // Outside the transaction: checking remote parents and finding each parent's layer directories touch the disk.
        long id = recorded.record().id();
        try {
            remoteSnapshots.requireReadable(key, recorded.ancestors());
        } catch (SnapshotException.Unavailable e) {
            remove(key); // containerd retries the Prepare; a half-made snapshot would make that ALREADY_EXISTS
            throw e;
        }
        List<Mount> mounts = overlay.mounts(kind, dirs.fs(id), dirs.work(id),
                dirs.lowerDirs(recorded.ancestors().stream().map(SnapshotRecord::id).toList()));
        return new Created(recorded.record(), mounts);
    }

    private static Optional<Long> committedParent(Tx tx, String key, String parent) {
        if (parent.isEmpty()) {
            return Optional.empty();
        }
        SnapshotRecord p = tx.find(parent).orElseThrow(() -> new NotFound(
                "parent snapshot " + quote(parent) + " of " + quote(key) + " does not exist"));
        if (p.info().kind() != Kind.COMMITTED) {
            throw new InvalidArgument("parent " + quote(parent) + " of " + quote(key) + " is " + p.info().kind()
                    .filterName() + ", not committed; commit it first");
        }
        return Optional.of(p.id());
    }

    private void failIfTargetExists(String target, String parent) {
        store.read(tx -> tx.find(target)).ifPresent(existing -> {
            if (existing.info().kind() == Kind.COMMITTED && existing.info().parent().equals(parent)) {
                throw new AlreadyExists("target snapshot " + quote(target) + " already exists");
            }
        });
    }

    private void offerToSources(SnapshotRecord active, String target, String parent, Map<String, String> labels) {
        LayerRequest request = new LayerRequest(target, active.key(), parent, labels, dirs.dir(active.id()));
        if (!(sources.decide(request) instanceof LayerClaim.Remote remote)) {
            return;
        }
        Map<String, String> claimLabels = new HashMap<>(labels);
        claimLabels.putAll(remote.labels());
        Provenance provenance = new Provenance(remote.source(), claimLabels);
        try {
            commit(target, active.key(), claimLabels, Optional.empty(), Usage.ZERO, Optional.of(provenance));
        } catch (AlreadyExists raced) {
            // Another pull provided the same layer meanwhile: theirs serves, ours goes.
            discardClaim(active, target, provenance);
        } catch (RuntimeException e) {
            // Anything else (containerd removed the key of a cancelled pull while the layer mounted,
            // the store failed): no snapshot will own what the source made, so nothing else would
            // ever release it, and its mount would keep the directory from deletion.
            try {
                discardClaim(active, target, provenance);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        throw new AlreadyExists("target snapshot " + quote(target) + " provided by " + remote.source());
    }

    /**
     * Releases the content a source made for a claim that was not committed, and removes the
     * active snapshot made for it if it is still there; the directory goes with the next cleanup.
     */
    private void discardClaim(SnapshotRecord active, String target, Provenance provenance) {
        remoteSnapshots.release(active.id(), target, provenance);
        store.write(tx -> {
            tx.find(active.key()).filter(r -> r.id() == active.id() && !tx.hasChildren(r.id()))
                    .ifPresent(r -> tx.delete(r.id()));
            return null;
        });
        cleaner.cleanSoon();
    }

    /**
     * Commits active snapshot {@code key} as {@code name}: the same directory, now read-only
     * by contract, with {@code labels} replacing the active snapshot's. {@code parent} (sent by
     * containerd 2.2+) must match the snapshot's parent, or give one to a snapshot without.
     */
    public SnapshotInfo commit(String name, String key, Map<String, String> labels, Optional<String> parent) {
        requireKey(name);
        SnapshotRecord active = store.read(tx -> {
            failIfNameTaken(tx, name);
            return activeSnapshot(tx, key);
        });
        return commit(name, key, labels, parent, DiskUsage.of(dirs.fs(active.id())), Optional.empty());
    }

    private SnapshotInfo commit(String name, String key, Map<String, String> labels, Optional<String> parent,
            Usage usage, Optional<Provenance> provenance) {
        return store.write(tx -> {
            failIfNameTaken(tx, name);
            SnapshotRecord active = activeSnapshot(tx, key);
            Optional<Long> newParent = Optional.empty();
            if (parent.isPresent() && !parent.get().isEmpty() && !parent.get().equals(active.info().parent())) {
                if (active.info().hasParent()) {
                    throw new InvalidArgument("cannot commit " + quote(key) + " on parent " + quote(parent.get())
                            + ": it was prepared on " + quote(active.info().parent()));
                }
                newParent = committedParent(tx, key, parent.get());
            }
            SnapshotRecord committed = tx.commit(active.id(), name, newParent, labels, usage, now());
            return RemoteSnapshots.shown(provenance.isEmpty() ? committed
                    : tx.recordProvenance(committed.id(), provenance.get()));
        });
    }

    private static void failIfNameTaken(Tx tx, String name) {
        if (tx.find(name).isPresent()) {
            throw new AlreadyExists("snapshot " + quote(name) + " already exists");
        }
    }

    private static SnapshotRecord activeSnapshot(Tx tx, String key) {
        SnapshotRecord record = tx.find(key).orElseThrow(() -> new NotFound("snapshot " + quote(key)
                + " does not exist"));
        if (record.info().kind() != Kind.ACTIVE) {
            throw new FailedPrecondition("snapshot " + quote(key) + " is " + record.info().kind().filterName()
                    + "; only active snapshots can be committed");
        }
        return record;
    }

    /**
     * Removes a snapshot that has no children. Its directory is deleted in the background (or
     * by {@link #cleanup()}), once nothing has it mounted.
     */
    public void remove(String key) {
        SnapshotRecord removed = store.write(tx -> {
            SnapshotRecord record = tx.find(key).orElseThrow(() -> new NotFound("snapshot " + quote(key)
                    + " does not exist"));
            if (tx.hasChildren(record.id())) {
                throw new FailedPrecondition("cannot remove snapshot " + quote(key)
                        + " because it has children; remove them first");
            }
            tx.delete(record.id());
            return record;
        });
        remoteSnapshots.release(removed);
        cleaner.cleanSoon();
    }

    /**
     * Changes labels only. {@code paths} empty or {@code labels} replaces all labels;
     * {@code labels.<key>} sets or (when absent or empty in {@code info}) deletes one. Which source
     * provides a snapshot is not a label and does not change; its labels are shown whatever this does.
     */
    public SnapshotInfo update(String key, Map<String, String> newLabels, List<String> paths) {
        return store.write(tx -> {
            SnapshotRecord record = tx.find(key).orElseThrow(() -> new NotFound("snapshot " + quote(key)
                    + " does not exist"));
            Map<String, String> labels = new HashMap<>(record.info().labels());
            if (paths.isEmpty()) {
                labels = new HashMap<>(newLabels);
            }
            for (String path : paths) {
                if (path.equals("labels")) {
                    labels = new HashMap<>(newLabels);
                } else if (path.startsWith("labels.")) {
                    String label = path.substring("labels.".length());
                    String value = newLabels.getOrDefault(label, "");
                    if (value.isEmpty()) {
                        labels.remove(label);
                    } else {
                        labels.put(label, value);
                    }
                } else {
                    throw new InvalidArgument("cannot update field " + quote(path) + " of snapshot " + quote(key)
                            + ": only labels and labels.<key> may change");
                }
            }
            return RemoteSnapshots.shown(tx.updateLabels(record.id(), labels, now()));
        });
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    private static void requireKey(String key) {
        if (key.isEmpty()) {
            throw new InvalidArgument("snapshot key must not be empty");
        }
    }

    static String quote(String key) {
        return "\"" + key + "\"";
    }
}
