package org.cvmfsstargz.snapshotter.core;

import java.util.Objects;

/**
 * The errors the snapshot core reports. Each names the key, name or path it concerns; the gRPC
 * layer maps each kind to one status code (see {@code StatusMapping}), and anything else that
 * escapes the core becomes INTERNAL.
 *
 * <p>Unchecked, because every RPC funnels through one handler that catches them.
 */
public abstract sealed class SnapshotException extends RuntimeException {

    protected SnapshotException(String message, Throwable cause) {
        super(Objects.requireNonNull(message, "message"), cause);
    }

    /** No snapshot with that key or name, or its parent is missing. */
    public static final class NotFound extends SnapshotException {
        public NotFound(String message) {
            super(message, null);
        }
    }

    /** The key or name is taken; also the remote-snapshot protocol's answer to a claimed Prepare. */
    public static final class AlreadyExists extends SnapshotException {
        public AlreadyExists(String message) {
            super(message, null);
        }
    }

    /** The snapshot is in the wrong state for the call (a view committed, a parent with children removed). */
    public static final class FailedPrecondition extends SnapshotException {
        public FailedPrecondition(String message) {
            super(message, null);
        }
    }

    /** The request itself is wrong (an unknown field path, a parent that is not committed, a bad filter). */
    public static final class InvalidArgument extends SnapshotException {
        public InvalidArgument(String message) {
            super(message, null);
        }

        public InvalidArgument(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Something the snapshot depends on is down (a remote layer's mount); retrying later may work. */
    public static final class Unavailable extends SnapshotException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
