package org.cvmfsstargz.stargz.registry;

import java.io.IOException;

/**
 * A response body passed one of its {@link RegistryOptions.BodyDeadlines}: no byte came for the
 * idle deadline, or the whole body took longer than its overall one. The body was closed, and its
 * connection with it. An {@link IOException}, so a ranged read is retried like a connection cut
 * mid-body.
 */
public final class StalledBodyException extends IOException {
    private static final long serialVersionUID = 1L;

    StalledBodyException(String message) {
        super(message);
    }

    /** This failure as seen by the read it interrupted (whose own exception is {@code seen}). */
    StalledBodyException reported(IOException seen) {
        StalledBodyException copy = new StalledBodyException(getMessage());
        copy.initCause(seen);
        return copy;
    }
}
