package org.cvmfsstargz.cvmfs.probe;

import java.io.IOException;

/**
 * A filesystem call on a repository did not return within its deadline, or an earlier call on
 * the same repository is still hung. The message names the repository, the path and since when.
 * A wedged CVMFS FUSE process is the usual cause (reference cvmfs.md §4.4); the fix is outside
 * this process ({@code cvmfs_config probe}, aborting the FUSE connection, restarting autofs).
 *
 * <p>Immutable once thrown.
 */
public final class RepositoryHungException extends IOException {
    private static final long serialVersionUID = 1L;

    public RepositoryHungException(String message) {
        super(message);
    }
}
