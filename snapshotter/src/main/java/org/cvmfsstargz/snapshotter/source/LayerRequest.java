package org.cvmfsstargz.snapshotter.source;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;

/**
 * A layer containerd is about to unpack, offered to the layer sources: a Prepare that carried
 * {@code containerd.io/snapshot.ref}.
 *
 * @param target      the {@code containerd.io/snapshot.ref} value: the chainID the layer completes
 * @param key         the active snapshot's key
 * @param parent      the parent snapshot's name, empty for the base layer
 * @param labels      every label of the Prepare (layer digest, image reference, ...)
 * @param snapshotDir the snapshot's own directory; a source that claims the layer makes its
 *                    content visible at {@link #contentDir()}
 */
public record LayerRequest(String target, String key, String parent, Map<String, String> labels, Path snapshotDir) {
    public LayerRequest {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(parent, "parent");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(snapshotDir, "snapshotDir");
    }

    /** Where the layer's content must appear: an empty directory the source may replace with a symbolic link. */
    public Path contentDir() {
        return snapshotDir.resolve(SnapshotDirectories.FS);
    }

    /** Stacked right above the content when present: where a source hides the layer's own marker files. */
    public Path aboveDir() {
        return snapshotDir.resolve(SnapshotDirectories.ABOVE);
    }

    /** Stacked right below the content when present: where a source puts the layer's deletions. */
    public Path belowDir() {
        return snapshotDir.resolve(SnapshotDirectories.BELOW);
    }
}
