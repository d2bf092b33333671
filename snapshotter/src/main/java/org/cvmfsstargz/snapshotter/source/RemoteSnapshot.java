package org.cvmfsstargz.snapshotter.source;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;

/**
 * A committed snapshot a layer source provided, as the daemon recorded it: what the source needs
 * to restore, check or release its content. Comes from the store's provenance of the snapshot,
 * never from its labels, which clients may change. Immutable.
 *
 * @param name the snapshot's name (the chainID it was claimed for)
 * @param source the name of the source that provided it
 * @param labels the labels of the claim: the Prepare's, plus the source's own
 * @param snapshotDir the snapshot's own directory; the content is at {@link #contentDir()}
 */
public record RemoteSnapshot(String name, String source, Map<String, String> labels, Path snapshotDir) {
    public RemoteSnapshot {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(snapshotDir, "snapshotDir");
    }

    /** Where the layer's content is: a directory, a mount point or a link. */
    public Path contentDir() {
        return snapshotDir.resolve(SnapshotDirectories.FS);
    }
}
