package org.cvmfsstargz.snapshotter.core.store;

import java.nio.file.Path;

/**
 * The metadata database failed: it cannot be opened, is corrupt, was written by a newer
 * version, or a statement failed. Names the database file; maps to INTERNAL over gRPC.
 */
public final class StoreException extends RuntimeException {
    private final Path database;

    public StoreException(Path database, String message, Throwable cause) {
        super("metadata database " + database + ": " + message, cause);
        this.database = database;
    }

    public Path database() {
        return database;
    }
}
