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

    /**
     * The source does not provide the layer.
     *
     * @param reason why, in words, for the decision log
     * @param code   why, from a closed set, for metrics
     */
    record NotMine(String reason, DeclineReason code) implements LayerClaim {
        public NotMine {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(code, "code");
        }

        /** A refusal whose reason fits none of the {@link DeclineReason codes}. */
        public NotMine(String reason) {
            this(reason, DeclineReason.OTHER);
        }
    }
}
