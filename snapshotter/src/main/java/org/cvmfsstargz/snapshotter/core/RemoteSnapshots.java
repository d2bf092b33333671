package org.cvmfsstargz.snapshotter.core;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.core.SnapshotException.Unavailable;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.store.MetaStore;
import org.cvmfsstargz.snapshotter.core.store.Provenance;
import org.cvmfsstargz.snapshotter.core.store.SnapshotRecord;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;

/**
 * The core's side of the lifecycle of snapshots a layer source provided: restore them at start,
 * refuse mounts stacked on one whose content is not readable, release one that is removed. Which
 * snapshots those are comes from the store's {@link Provenance}, never from labels. Thread-safe
 * (the chain is).
 */
final class RemoteSnapshots {
    private final MetaStore store;
    private final SnapshotDirectories dirs;
    private final LayerSourceChain sources;

    RemoteSnapshots(MetaStore store, SnapshotDirectories dirs, LayerSourceChain sources) {
        this.store = store;
        this.dirs = dirs;
        this.sources = sources;
    }

    /**
     * What containerd is shown of a snapshot: its labels, plus, for one a source provides,
     * {@link RemoteLabels#REMOTE} and {@link RemoteLabels#SOURCE} from its provenance, whatever an
     * Update did to its labels (as overlay's {@code upperdir} label is added to what it shows).
     */
    static SnapshotInfo shown(SnapshotRecord record) {
        SnapshotInfo info = record.info();
        if (record.provenance().isEmpty()) {
            return info;
        }
        Map<String, String> labels = new HashMap<>(info.labels());
        labels.put(RemoteLabels.REMOTE, "remote snapshot");
        labels.put(RemoteLabels.SOURCE, record.provenance().get().source());
        return new SnapshotInfo(info.name(), info.parent(), info.kind(), info.created(), info.updated(), labels);
    }

    /** Hands every stored remote snapshot to its source; returns how many there are. */
    int restoreAll() {
        List<RemoteSnapshot> remote = store.read(tx -> tx.all()).stream()
                .filter(r -> r.info().kind() == Kind.COMMITTED)
                .flatMap(r -> remote(r).stream())
                .toList();
        sources.restore(remote);
        return remote.size();
    }

    /**
     * Throws {@link Unavailable} if an ancestor's content is not readable now: an overlay on it
     * would show the container an empty or broken layer. Call outside transactions; it may wait
     * for a restore in progress, within the source's bound.
     */
    void requireReadable(String key, List<SnapshotRecord> ancestors) {
        List<RemoteSnapshot> remote = ancestors.stream().flatMap(r -> remote(r).stream()).toList();
        if (remote.isEmpty()) {
            return;
        }
        sources.unavailable(remote).ifPresent(reason -> {
            throw new Unavailable("cannot mount " + Snapshotter.quote(key) + ": " + reason, null);
        });
    }

    /** Releases the content of {@code removed} if a source provided it. */
    void release(SnapshotRecord removed) {
        remote(removed).ifPresent(sources::release);
    }

    /** Releases what a source made in snapshot {@code id}'s directory for a claim that was not committed. */
    void release(long id, String name, Provenance provenance) {
        sources.release(new RemoteSnapshot(name, provenance.source(), provenance.labels(), dirs.dir(id)));
    }

    /** The snapshot as its source sees it, if a source provided it. */
    private Optional<RemoteSnapshot> remote(SnapshotRecord record) {
        return record.provenance().map(p -> new RemoteSnapshot(record.info().name(), p.source(), p.labels(),
                dirs.dir(record.id())));
    }
}
