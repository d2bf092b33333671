package org.cvmfsstargz.snapshotter.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a layer's fate is decided: the configured sources are asked in order, the first that
 * claims the layer provides it, and a layer nobody claims is left to containerd to download and
 * unpack. Logs one line per decision with its reason, and tells a {@link LayerDecisionListener}.
 * Thread-safe (sources and listener are).
 */
public final class LayerSourceChain {
    private static final Logger LOG = LoggerFactory.getLogger(LayerSourceChain.class);

    private final List<LayerSource> sources;
    private final LayerDecisionListener listener;

    public LayerSourceChain(List<LayerSource> sources) {
        this(sources, LayerDecisionListener.NONE);
    }

    /** Asks {@code sources} in order and tells {@code listener} of every decision. */
    public LayerSourceChain(List<LayerSource> sources, LayerDecisionListener listener) {
        this.sources = List.copyOf(sources);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public static LayerSourceChain none() {
        return new LayerSourceChain(List.of());
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    public LayerClaim decide(LayerRequest request) {
        List<String> reasons = new ArrayList<>();
        DeclineReason first = DeclineReason.NO_SOURCE;
        for (LayerSource source : sources) {
            LayerClaim claim;
            try {
                claim = source.claim(request);
            } catch (Exception e) {
                claim = new LayerClaim.NotMine(source.name() + " failed: " + e, DeclineReason.ERROR);
            }
            switch (claim) {
                case LayerClaim.Remote remote -> {
                    LOG.info("layer decision target={} source={} key=\"{}\"", request.target(), remote.source(),
                            request.key());
                    listener.provided(remote.source());
                    return remote;
                }
                case LayerClaim.NotMine notMine -> {
                    first = reasons.isEmpty() ? notMine.code() : first;
                    reasons.add(source.name() + ": " + notMine.reason());
                }
            }
        }
        String reason = reasons.isEmpty() ? "no remote layer source configured" : String.join("; ", reasons);
        LOG.info("layer decision target={} source=pull reason=\"{}\"", request.target(), reason);
        listener.pulled(first);
        return new LayerClaim.NotMine(reason, first);
    }
}
