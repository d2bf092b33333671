package org.cvmfsstargz.snapshotter.source;

/**
 * Told of each layer decision {@link LayerSourceChain} takes, for metrics (cf. OkHttp's
 * {@code EventListener}): the chain knows nothing of how they are counted. Implementations are
 * thread-safe and quick; they run on the Prepare's thread.
 */
public interface LayerDecisionListener {
    /** Counts nothing. */
    LayerDecisionListener NONE = new LayerDecisionListener() {
        @Override
        public void provided(String source) {}

        @Override
        public void pulled(DeclineReason reason) {}
    };

    /** {@code source} (its {@link LayerSource#name()}) provides the layer. */
    void provided(String source);

    /**
     * No source provides the layer; containerd pulls it. {@code reason} is the first source's
     * (the preferred one's), or {@link DeclineReason#NO_SOURCE} when no source is configured.
     */
    void pulled(DeclineReason reason);
}
