package org.cvmfsstargz.snapshotter.grpc;

import io.grpc.Status;
import org.cvmfsstargz.snapshotter.core.SnapshotException;

/**
 * Maps what the core throws to the gRPC status containerd expects (see the table in
 * containerd's errdefs: NotFound, AlreadyExists, FailedPrecondition, InvalidArgument and
 * Unavailable keep their meaning across the proxy; anything else is INTERNAL). Pure.
 */
final class StatusMapping {
    private StatusMapping() {}

    static Status toStatus(Throwable error) {
        if (error instanceof SnapshotException e) {
            Status status = switch (e) {
                case SnapshotException.NotFound ignored -> Status.NOT_FOUND;
                case SnapshotException.AlreadyExists ignored -> Status.ALREADY_EXISTS;
                case SnapshotException.FailedPrecondition ignored -> Status.FAILED_PRECONDITION;
                case SnapshotException.InvalidArgument ignored -> Status.INVALID_ARGUMENT;
                case SnapshotException.Unavailable ignored -> Status.UNAVAILABLE;
            };
            return status.withDescription(e.getMessage());
        }
        return Status.INTERNAL.withDescription(String.valueOf(error.getMessage())).withCause(error);
    }

    /** Whether the error is an expected answer (logged quietly) rather than a fault (logged with its trace). */
    static boolean isExpected(Throwable error) {
        return error instanceof SnapshotException;
    }
}
