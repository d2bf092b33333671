package org.cvmfsstargz.snapshotter.source;

import java.util.Map;
import java.util.Objects;

/** What a layer source answers for a layer: it provides it remotely, or it does not (and why). */
public sealed interface LayerClaim {

    /**
     * The source provides the layer; containerd will not download it.
     *
     * @param source the source's name, as in the configuration
     * @param labels labels to store on the remote snapshot (where the content comes from), so
     *               that the source can find it again after a restart
     */
    record Remote(String source, Map<String, String> labels) implements LayerClaim {
        public Remote {
            Objects.requireNonNull(source, "source");
            labels = Map.copyOf(labels);
        }
    }

    /** The source does not provide the layer; {@code reason} says why, for the decision log. */
    record NotMine(String reason) implements LayerClaim {
        public NotMine {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
