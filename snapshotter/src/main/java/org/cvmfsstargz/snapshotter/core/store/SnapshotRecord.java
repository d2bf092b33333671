package org.cvmfsstargz.snapshotter.core.store;

import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.core.SnapshotInfo;
import org.cvmfsstargz.snapshotter.core.Usage;

/**
 * One stored snapshot: what containerd sees ({@code info}) plus what only the daemon needs.
 *
 * @param id       the stable number naming the snapshot's directory; never reused while the
 *                 database lives, so a directory left behind by a crash cannot be mistaken for a
 *                 new snapshot's
 * @param info     name, parent name, kind, timestamps, labels
 * @param parentId the parent's id, empty for a snapshot without parent
 * @param usage    disk usage stored at commit; empty for active snapshots and views
 * @param provenance the layer source that provides it and what it claimed the layer from; empty
 *                 for every snapshot but a committed one a source provides
 */
public record SnapshotRecord(long id, SnapshotInfo info, Optional<Long> parentId, Optional<Usage> usage,
        Optional<Provenance> provenance) {
    public SnapshotRecord {
        if (id <= 0) {
            throw new IllegalArgumentException("snapshot id must be positive: " + id);
        }
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(parentId, "parentId");
        Objects.requireNonNull(usage, "usage");
        Objects.requireNonNull(provenance, "provenance");
    }

    public String key() {
        return info.name();
    }
}
