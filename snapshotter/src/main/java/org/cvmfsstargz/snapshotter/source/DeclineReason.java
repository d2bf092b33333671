package org.cvmfsstargz.snapshotter.source;

/**
 * Why a layer is not provided remotely, as a closed set: the {@code reason} label of the layer
 * decision metric, where free text would make one time series per layer. The human-readable
 * detail stays in {@link LayerClaim.NotMine#reason()} and the decision log.
 */
public enum DeclineReason {
    /** The Prepare carried no layer digest label. */
    NO_DIGEST,
    /** The layer digest label is not a digest the source accepts. */
    INVALID_DIGEST,
    /** No repository or registry the source asks publishes the layer. */
    NOT_PUBLISHED,
    /** A repository or registry that might publish the layer did not answer (error, timeout, hang). */
    UNAVAILABLE,
    /** The layer is not in the source's format (no eStargz footer, no TOC digest label). */
    NOT_ESTARGZ,
    /** The layer claims the source's format but its footer, TOC or digest is refused. */
    CORRUPT,
    /** The layer is published but cannot be stacked where containerd asked for it. */
    NOT_STACKABLE,
    /**
     * The layer is published but its whiteout markers could not be read in time (a slow, stalled
     * or failing walk of its tree); its repository is not counted unavailable for it.
     */
    SCAN_INCOMPLETE,
    /** The source failed with an exception. */
    ERROR,
    /** No remote layer source is configured. */
    NO_SOURCE,
    /** The source gave no reason from this list. */
    OTHER
}
