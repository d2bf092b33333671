package org.cvmfsstargz.cvmfs.probe;

import java.util.Objects;

/**
 * Whether a repository's root can be reached right now.
 *
 * <p>Immutable and thread-safe.
 */
public sealed interface RepositoryHealth {

    /** The root answered a stat within the deadline and is a directory. */
    record Healthy() implements RepositoryHealth {}

    /** The root is missing, not a directory, failing with an I/O error or hung. */
    record Unavailable(String reason) implements RepositoryHealth {
        public Unavailable {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
