package org.cvmfsstargz.snapshotter.core.store;

import java.util.Map;
import java.util.Objects;

/**
 * Which layer source provides a committed snapshot, and the labels the source claimed the layer
 * with (where the content comes from: image reference, layer and TOC digests). The daemon's own
 * record, kept apart from the snapshot's labels: containerd and its clients may change or erase
 * those with Update, and the daemon must still release the content on Remove and restore it after
 * a restart. Set once, when the source's claim is committed; never changed by Update. Immutable.
 *
 * @param source the source's name, as in the configuration ({@code estargz}, {@code cvmfs})
 * @param labels the labels of the claim, as the source was given them plus its own
 */
public record Provenance(String source, Map<String, String> labels) {
    public Provenance {
        Objects.requireNonNull(source, "source");
        if (source.isEmpty()) {
            throw new IllegalArgumentException("a provenance names its source");
        }
        labels = Map.copyOf(labels);
    }
}
