package org.cvmfsstargz.snapshotter.core.store;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.Usage;

/**
 * One transaction on the metadata store, handed to the body given to {@link MetaStore#read} or
 * {@link MetaStore#write}. Valid only inside that body and on its thread. Keys and names share
 * one key space, as in containerd.
 *
 * <p>Methods that change state throw {@link IllegalStateException} in a read transaction.
 */
public interface Tx {

    /** The snapshot whose key (active, view) or name (committed) is {@code key}. */
    Optional<SnapshotRecord> find(String key);

    /** Adds an active snapshot or view; the caller has checked that the key is free and the parent committed. */
    SnapshotRecord insert(String key, Kind kind, Optional<Long> parentId, Map<String, String> labels, Instant now);

    /**
     * Turns active snapshot {@code id} into committed snapshot {@code name}: same id and
     * directory, new key, labels replaced, timestamps reset to {@code now}, usage stored.
     * {@code parentId} replaces the parent (containerd 2.2's rebase) when present.
     */
    SnapshotRecord commit(long id, String name, Optional<Long> parentId, Map<String, String> labels, Usage usage,
            Instant now);

    /**
     * Records which source provides committed snapshot {@code id}, in the transaction that commits
     * it. Labels are not touched: the provenance is kept apart from them, out of Update's reach.
     */
    SnapshotRecord recordProvenance(long id, Provenance provenance);

    /** Replaces all labels of {@code id} and sets its updated time; the provenance stays. */
    SnapshotRecord updateLabels(long id, Map<String, String> labels, Instant now);

    /** Deletes {@code id}; the caller has checked it has no children. */
    void delete(long id);

    /** Whether any snapshot (active, view or committed) has {@code id} as parent. */
    boolean hasChildren(long id);

    /** {@code id}'s ancestors, nearest parent first, base layer last. */
    List<SnapshotRecord> ancestors(long id);

    /** Every snapshot, in id order. */
    List<SnapshotRecord> all();

    /** The ids of every snapshot. */
    Set<Long> ids();
}
