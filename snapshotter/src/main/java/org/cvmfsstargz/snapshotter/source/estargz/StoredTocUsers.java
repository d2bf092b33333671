package org.cvmfsstargz.snapshotter.source.estargz;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.layer.StoredTocs;

/**
 * Which snapshots use each layer, so that a layer's stored TOC ({@link StoredTocs}) is deleted
 * when the last snapshot using it is released, and kept while any does (the same layer under two
 * snapshots: two namespaces, or a claim racing a removal). A snapshot is counted from before its
 * mount reads or stores the TOC until its release. Thread-safe: one lock, held also for the
 * deletion, so a new user is never counted between the check and the delete.
 */
final class StoredTocUsers {
    private final StoredTocs tocs;
    private final Map<Path, Digest> layerOf = new HashMap<>(); // guarded by this

    StoredTocUsers(StoredTocs tocs) {
        this.tocs = Objects.requireNonNull(tocs, "tocs");
    }

    /** The store itself, for mounts. */
    StoredTocs tocs() {
        return tocs;
    }

    /** Counts the snapshot in {@code snapshotDir} as a user of {@code layer}. */
    synchronized void use(Path snapshotDir, Digest layer) {
        layerOf.put(snapshotDir, layer);
    }

    /** The snapshot in {@code snapshotDir} no longer uses its layer: the TOC goes if it was the last user. */
    synchronized void release(Path snapshotDir) {
        Digest layer = layerOf.remove(snapshotDir);
        if (layer != null && !layerOf.containsValue(layer)) {
            tocs.forget(layer);
        }
    }

    /**
     * At start, once the snapshots being restored are counted ({@link #use}): deletes the stored
     * TOC of every other layer, which a crash between a removal and its deletion left.
     */
    synchronized void deleteUnused() {
        tocs.keepOnly(new HashSet<>(layerOf.values()));
    }
}
