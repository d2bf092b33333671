package org.cvmfsstargz.snapshotter.core;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * What containerd knows of one snapshot: the answer of Stat, List and Update.
 *
 * @param name    the key of an active snapshot or view, the name of a committed one
 * @param parent  the parent's name, or the empty string for a snapshot without parent
 *                (containerd's own convention, kept so that {@code parent==""} filters work)
 * @param kind    active, view or committed
 * @param created creation time, microsecond precision
 * @param updated last label change; equal to {@code created} at creation and at commit
 * @param labels  the snapshot's labels, never holding an empty value
 */
public record SnapshotInfo(
        String name, String parent, Kind kind, Instant created, Instant updated, Map<String, String> labels) {

    public SnapshotInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(parent, "parent");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(updated, "updated");
        labels = Map.copyOf(labels);
    }

    public boolean hasParent() {
        return !parent.isEmpty();
    }
}
