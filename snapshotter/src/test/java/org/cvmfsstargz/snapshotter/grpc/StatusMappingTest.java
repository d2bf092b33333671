package org.cvmfsstargz.snapshotter.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import org.cvmfsstargz.snapshotter.core.SnapshotException;
import org.junit.jupiter.api.Test;

class StatusMappingTest {

    @Test
    void eachCoreErrorHasItsContainerdStatusAndKeepsItsMessage() {
        assertThat(StatusMapping.toStatus(new SnapshotException.NotFound("nf")).getCode()).isEqualTo(Status.Code.NOT_FOUND);
        assertThat(StatusMapping.toStatus(new SnapshotException.AlreadyExists("ae")).getCode())
                .isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(StatusMapping.toStatus(new SnapshotException.FailedPrecondition("fp")).getCode())
                .isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(StatusMapping.toStatus(new SnapshotException.InvalidArgument("ia")).getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(StatusMapping.toStatus(new SnapshotException.Unavailable("un", null)).getCode())
                .isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(StatusMapping.toStatus(new SnapshotException.NotFound("snapshot \"k\" does not exist"))
                .getDescription()).isEqualTo("snapshot \"k\" does not exist");
    }

    @Test
    void anythingElseIsInternalNotUnknown() {
        Status status = StatusMapping.toStatus(new IllegalStateException("boom"));
        assertThat(status.getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(status.getDescription()).isEqualTo("boom");
        assertThat(StatusMapping.isExpected(new IllegalStateException())).isFalse();
    }
}
