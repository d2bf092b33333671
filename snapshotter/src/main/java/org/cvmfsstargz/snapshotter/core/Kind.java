package org.cvmfsstargz.snapshotter.core;

/**
 * The kind of a snapshot, in containerd's words. Active snapshots are writable and may be
 * committed; views are read-only and can only be removed; committed snapshots are created only
 * by Commit and may be parents.
 */
public enum Kind {
    VIEW,
    ACTIVE,
    COMMITTED;

    /** The spelling used by containerd's filters ({@code kind==active}). */
    public String filterName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
