package org.cvmfsstargz.stargz.format;

import java.util.Optional;

/**
 * Ownership and mode, shared: a layer has a handful of distinct combinations, so each node stores
 * an index into a small table of these instead of five fields. Immutable.
 */
record Attributes(int mode, long uid, long gid, Optional<String> userName, Optional<String> groupName) {
    /** What the reference reader gives a directory implied by a path: 0755, owned by root. */
    static final Attributes IMPLIED_DIRECTORY = new Attributes(0755, 0, 0, Optional.empty(), Optional.empty());
}
