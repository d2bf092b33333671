package org.cvmfsstargz.snapshotter.source;

/**
 * One way to provide a layer without containerd downloading it (CVMFS, eStargz, ...): an adapter
 * from a library to the daemon. Implementations are thread-safe: Prepares of many layers arrive
 * at once. A source may block (it runs on a virtual thread) but must honour its own deadline.
 */
public interface LayerSource {

    /** The name used in configuration, logs and the {@link LayerClaim.Remote#source()} of its claims. */
    String name();

    /**
     * Decides whether this source provides the layer and, if so, makes its content visible at
     * {@code request.snapshotDir()/fs}. Answers {@link LayerClaim.NotMine} for any layer it cannot
     * provide; an exception is taken as "not mine" and logged.
     */
    LayerClaim claim(LayerRequest request) throws Exception;
}
