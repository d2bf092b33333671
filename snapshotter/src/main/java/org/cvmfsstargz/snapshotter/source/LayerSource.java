package org.cvmfsstargz.snapshotter.source;

import java.util.List;

/**
 * One way to provide a layer without containerd downloading it (CVMFS, eStargz, ...): an adapter
 * from a library to the daemon. Implementations are thread-safe: Prepares of many layers arrive
 * at once. A source may block (it runs on a virtual thread) but must honour its own deadline.
 *
 * <p>A source whose content lives in the daemon's process (a FUSE mount) implements the
 * lifecycle methods; one whose content is a path on the node (CVMFS) needs none of them.
 */
public interface LayerSource extends AutoCloseable {

    /** The name used in configuration, logs and the {@link LayerClaim.Remote#source()} of its claims. */
    String name();

    /**
     * Decides whether this source provides the layer and, if so, makes its content visible at
     * {@code request.snapshotDir()/fs}. Answers {@link LayerClaim.NotMine} for any layer it cannot
     * provide; an exception is taken as "not mine" and logged.
     */
    LayerClaim claim(LayerRequest request) throws Exception;

    /**
     * Makes the content of the snapshots this source provided in an earlier run visible again
     * (all of them, possibly none), once, at daemon start, with the daemon's root locked. May work
     * in the background; {@link #healthy} then waits for it. A failure is the source's to report:
     * the snapshot stays, and children's Mounts answer UNAVAILABLE.
     */
    default void restore(List<RemoteSnapshot> snapshots) {
    }

    /** Whether the content of {@code snapshot} can be read now: a child's mounts would work. Bounded in time. */
    default boolean healthy(RemoteSnapshot snapshot) {
        return true;
    }

    /** Stops providing a removed snapshot's content (unmounts it), so its directory can be deleted. */
    default void release(RemoteSnapshot snapshot) {
    }

    /** Releases everything at daemon shutdown. */
    @Override
    default void close() {
    }
}
