package org.cvmfsstargz.snapshotter.source;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * A layer containerd is about to unpack, offered to the layer sources: a Prepare that carried
 * {@code containerd.io/snapshot.ref}.
 *
 * @param target      the {@code containerd.io/snapshot.ref} value: the chainID the layer completes
 * @param key         the active snapshot's key
 * @param parent      the parent snapshot's name, empty for the base layer
 * @param labels      every label of the Prepare (layer digest, image reference, ...)
 * @param snapshotDir the snapshot's own directory; a source that claims the layer makes its
 *                    content visible at {@code snapshotDir/fs}
 */
public record LayerRequest(String target, String key, String parent, Map<String, String> labels, Path snapshotDir) {
    public LayerRequest {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(parent, "parent");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(snapshotDir, "snapshotDir");
    }
}
