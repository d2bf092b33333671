package org.cvmfsstargz.snapshotter.source;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;

/**
 * A committed snapshot a layer source provided, as stored: what the source needs to restore,
 * check or release its content. Immutable.
 *
 * @param name the snapshot's name (the chainID it was claimed for)
 * @param labels its stored labels: the Prepare's, plus the source's own
 * @param snapshotDir the snapshot's own directory; the content is at {@link #contentDir()}
 */
public record RemoteSnapshot(String name, Map<String, String> labels, Path snapshotDir) {
    public RemoteSnapshot {
        Objects.requireNonNull(name, "name");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(snapshotDir, "snapshotDir");
    }

    /** Where the layer's content is: a directory, a mount point or a link. */
    public Path contentDir() {
        return snapshotDir.resolve(SnapshotDirectories.FS);
    }

    /** The source that provided it, from the {@link RemoteLabels#SOURCE} label. */
    public String source() {
        return labels.getOrDefault(RemoteLabels.SOURCE, "");
    }
}
