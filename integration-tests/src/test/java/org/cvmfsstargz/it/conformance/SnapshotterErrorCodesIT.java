package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;

import io.grpc.Status;
import io.grpc.Status.Code;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The status codes of reference §1.4 that apply when no remote source claims a layer, as containerd's
 * overlay snapshotter returns them and containerd's callers test for them. Each failed call must
 * also leave the state it touched as it was.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterErrorCodesIT {
    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    /** committed ← active; committed ← view; plus a parentless active "solo". */
    private void createFamily() {
        client().prepare("committed-a", "");
        client().commit("committed", "committed-a");
        client().prepare("active", "committed");
        client().view("view", "committed");
        client().prepare("solo", "");
    }

    @Test
    void prepareOrViewOfAKeyOrNameThatExistsIsAlreadyExists() {
        createFamily();
        List<Info> before = client().list();

        assertThat(failure(() -> client().prepare("active", "")).getCode()).isEqualTo(Code.ALREADY_EXISTS);
        assertThat(failure(() -> client().view("active", "")).getCode()).isEqualTo(Code.ALREADY_EXISTS);
        assertThat(failure(() -> client().prepare("view", "committed")).getCode()).isEqualTo(Code.ALREADY_EXISTS);
        assertThat(failure(() -> client().prepare("committed", "")).getCode())
                .as("keys and names share one key space").isEqualTo(Code.ALREADY_EXISTS);
        assertThat(failure(() -> client().view("committed", "")).getCode()).isEqualTo(Code.ALREADY_EXISTS);
        assertThat(client().list()).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void prepareOrViewOnAParentThatDoesNotExistIsNotFound() {
        assertThat(failure(() -> client().prepare("child", "missing")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().view("child-view", "missing")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(client().list()).isEmpty();
        client().prepare("child", "");
        assertThat(client().stat("child").getKind()).as("the failed Prepare did not take the key")
                .isEqualTo(Kind.ACTIVE);
    }

    @Test
    void prepareOrViewOnAnActiveOrViewParentIsInvalidArgument() {
        createFamily();
        assertThat(failure(() -> client().prepare("c1", "active")).getCode()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(failure(() -> client().view("c2", "active")).getCode()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(failure(() -> client().prepare("c3", "view")).getCode()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(failure(() -> client().view("c4", "view")).getCode()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(client().listNames()).containsExactly("active", "committed", "solo", "view");
    }

    @Test
    void mountsOfACommittedSnapshotIsFailedPrecondition() {
        createFamily();
        assertThat(failure(() -> client().mounts("committed")).getCode()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(client().mounts("active")).isNotEmpty();
        assertThat(client().mounts("view")).isNotEmpty();
    }

    @Test
    void everyCallNamingAMissingKeyIsNotFound() {
        Info ghost = Info.newBuilder().setName("ghost").setKind(Kind.ACTIVE).putLabels("l", "1").build();
        assertThat(failure(() -> client().mounts("ghost")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().stat("ghost")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().usage("ghost")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().remove("ghost")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().update(ghost)).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().update(ghost, "labels.l")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().commit("name", "ghost")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(client().list()).isEmpty();
    }

    @Test
    void commitOntoANameThatExistsIsAlreadyExistsAndKeepsTheActiveSnapshot() {
        createFamily();
        client().prepare("pending", "committed", Map.of("l", "1"));
        Info pending = client().stat("pending");

        for (String taken : List.of("committed", "active", "view", "solo", "pending")) {
            assertThat(failure(() -> client().commit(taken, "pending")).getCode()).as("commit onto %s", taken)
                    .isEqualTo(Code.ALREADY_EXISTS);
        }
        assertThat(client().stat("pending")).isEqualTo(pending);
        assertThat(client().mounts("pending")).isNotEmpty();
        client().commit("fresh", "pending");
        assertThat(client().stat("fresh").getParent()).isEqualTo("committed");
    }

    @Test
    void commitOfAViewOrOfACommittedSnapshotIsFailedPrecondition() {
        createFamily();
        assertThat(failure(() -> client().commit("from-view", "view")).getCode()).isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(failure(() -> client().commit("from-committed", "committed")).getCode())
                .isEqualTo(Code.FAILED_PRECONDITION);
        assertThat(client().stat("view").getKind()).isEqualTo(Kind.VIEW);
        assertThat(client().stat("committed").getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(failure(() -> client().stat("from-view")).getCode()).isEqualTo(Code.NOT_FOUND);
        assertThat(failure(() -> client().stat("from-committed")).getCode()).isEqualTo(Code.NOT_FOUND);
    }

    @Test
    void removingAParentWithChildrenFailsWithRemoveInTheMessage() {
        client().prepare("base-a", "");
        client().commit("base", "base-a");
        for (String childKind : List.of("active", "view", "committed")) {
            switch (childKind) {
                case "active" -> client().prepare("child", "base");
                case "view" -> client().view("child", "base");
                default -> {
                    client().prepare("child-a", "base");
                    client().commit("child", "child-a");
                }
            }
            Status refused = failure(() -> client().remove("base"));
            assertThat(refused.getCode()).as("with a %s child", childKind).isEqualTo(Code.FAILED_PRECONDITION);
            assertThat(refused.getDescription()).as("with a %s child", childKind).contains("remove");
            assertThat(client().stat("base").getKind()).isEqualTo(Kind.COMMITTED);
            client().remove("child");
        }
        client().remove("base");
        assertThat(client().list()).isEmpty();
    }

    @Test
    void updateWithTheMaskParentIsInvalidArgument() {
        createFamily();
        for (String key : List.of("committed", "active", "view")) {
            Info before = client().stat(key);
            Info moved = before.toBuilder().setParent(key.equals("committed") ? "solo" : "").build();
            assertThat(failure(() -> client().update(moved, "parent")).getCode()).as(key)
                    .isEqualTo(Code.INVALID_ARGUMENT);
            assertThat(client().stat(key)).isEqualTo(before);
        }
    }
}
