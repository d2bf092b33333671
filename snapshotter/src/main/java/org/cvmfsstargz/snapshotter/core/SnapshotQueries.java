package org.cvmfsstargz.snapshotter.core;

import java.util.List;
import java.util.function.Consumer;
import org.cvmfsstargz.snapshotter.core.SnapshotException.FailedPrecondition;
import org.cvmfsstargz.snapshotter.core.SnapshotException.NotFound;
import org.cvmfsstargz.snapshotter.core.dirs.DiskUsage;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.filter.SnapshotFilter;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.MetaStore;
import org.cvmfsstargz.snapshotter.core.store.SnapshotRecord;

/**
 * The read side of the snapshotter: Stat, List, Usage and Mounts. None holds a transaction
 * while it does file-system work or streams results, so a slow List consumer never blocks
 * other calls. Thread-safe.
 */
public final class SnapshotQueries {
    private final MetaStore store;
    private final SnapshotDirectories dirs;
    private final OverlayMounts overlay;
    private final RemoteSnapshots remote;

    SnapshotQueries(MetaStore store, SnapshotDirectories dirs, OverlayMounts overlay, RemoteSnapshots remote) {
        this.store = store;
        this.dirs = dirs;
        this.overlay = overlay;
        this.remote = remote;
    }

    public SnapshotInfo stat(String key) {
        return RemoteSnapshots.shown(find(key));
    }

    /** Calls {@code each} for every snapshot matching containerd's {@code filters}, after reading them all. */
    public void list(List<String> filters, Consumer<SnapshotInfo> each) {
        SnapshotFilter filter = SnapshotFilter.parse(filters);
        List<SnapshotInfo> matching = store.read(tx -> tx.all()).stream()
                .map(RemoteSnapshots::shown)
                .filter(filter::matches)
                .toList();
        matching.forEach(each);
    }

    /** Active: measured now; committed: as measured at commit; view: zero. Parents never count. */
    public Usage usage(String key) {
        SnapshotRecord record = find(key);
        return switch (record.info().kind()) {
            case ACTIVE -> DiskUsage.of(dirs.fs(record.id()));
            case COMMITTED -> record.usage().orElse(Usage.ZERO);
            case VIEW -> Usage.ZERO;
        };
    }

    public List<Mount> mounts(String key) {
        record Shape(SnapshotRecord record, List<SnapshotRecord> ancestors) {}
        Shape shape = store.read(tx -> {
            SnapshotRecord record = tx.find(key).orElseThrow(() -> notFound(key));
            return new Shape(record, tx.ancestors(record.id()));
        });
        if (shape.record().info().kind() == Kind.COMMITTED) {
            throw new FailedPrecondition("snapshot " + Snapshotter.quote(key)
                    + " is committed and has no mounts; prepare or view a child of it");
        }
        long id = shape.record().id();
        // Outside the transaction: checking remote parents and finding each parent's layer directories touch the disk.
        remote.requireReadable(key, shape.ancestors());
        return overlay.mounts(shape.record().info().kind(), dirs.fs(id), dirs.work(id),
                dirs.lowerDirs(shape.ancestors().stream().map(SnapshotRecord::id).toList()));
    }

    private SnapshotRecord find(String key) {
        return store.read(tx -> tx.find(key)).orElseThrow(() -> notFound(key));
    }

    private static NotFound notFound(String key) {
        return new NotFound("snapshot " + Snapshotter.quote(key) + " does not exist");
    }
}
