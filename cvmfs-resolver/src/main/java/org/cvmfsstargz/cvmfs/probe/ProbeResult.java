package org.cvmfsstargz.cvmfs.probe;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What a repository says about one layer: published (use the directory), not published (a
 * genuine ENOENT from a healthy repository: fall back to downloading), or unavailable (EIO, no
 * mount, a hang: fall back too, but the repository needs attention).
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface ProbeResult {

    /** The layer's {@code layerfs} directory exists and is a directory. */
    record Published(Path layerDir) implements ProbeResult {
        public Published {
            Objects.requireNonNull(layerDir, "layerDir");
        }
    }

    /** The repository answered, and the layer is not in it. */
    record NotPublished(String reason) implements ProbeResult {
        public NotPublished {
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** The repository could not answer: I/O error, missing mount, deadline passed. */
    record Unavailable(String reason) implements ProbeResult {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
