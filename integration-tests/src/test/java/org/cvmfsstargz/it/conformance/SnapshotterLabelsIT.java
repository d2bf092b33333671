package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.instant;

import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Labels over the wire, as overlay's bolt store keeps them (reference §2.4, §2.5): Prepare, View
 * and Commit store their own labels (Commit does not inherit the active snapshot's), and Update
 * replaces the whole map or single {@code labels.<key>} entries. An empty value is never stored.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterLabelsIT {
    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    @Test
    void prepareViewAndCommitStoreExactlyTheirOwnLabels() {
        client().prepare("active", "", Map.of("a", "1", "containerd.io/snapshot/cri.layer-digest", "sha256:aa"));
        client().commit("committed", "active", Map.of("c", "3"));
        client().view("view", "committed", Map.of("v", "2"));
        client().prepare("unlabelled", "", Map.of());

        assertThat(client().stat("committed").getLabelsMap())
                .as("Commit replaces the labels; nothing is inherited from the active snapshot")
                .isEqualTo(Map.of("c", "3"));
        assertThat(client().stat("view").getLabelsMap()).isEqualTo(Map.of("v", "2"));
        assertThat(client().stat("unlabelled").getLabelsMap()).isEmpty();
    }

    @Test
    void anEmptyLabelValueIsNeverStored() {
        client().prepare("active", "", Map.of("empty", "", "kept", "1"));
        assertThat(client().stat("active").getLabelsMap()).isEqualTo(Map.of("kept", "1"));

        Info info = client().stat("active");
        Info updated = client().update(info.toBuilder().clearLabels().putLabels("blank", "").putLabels("x", "y")
                .build(), "labels");
        assertThat(updated.getLabelsMap()).isEqualTo(Map.of("x", "y"));
        assertThat(client().stat("active").getLabelsMap()).isEqualTo(Map.of("x", "y"));
    }

    @Test
    void updateWithAnEmptyOrAbsentMaskReplacesTheWholeMap() {
        client().prepare("active", "", Map.of("old", "1", "other", "2"));

        Info viaEmptyMask = client().update(client().stat("active").toBuilder().clearLabels()
                .putLabels("new", "1").build());
        assertThat(viaEmptyMask.getLabelsMap()).isEqualTo(Map.of("new", "1"));

        Info viaNoMask = client().updateWithoutMask(client().stat("active").toBuilder().clearLabels()
                .putLabels("newer", "2").build());
        assertThat(viaNoMask.getLabelsMap()).isEqualTo(Map.of("newer", "2"));
        assertThat(client().stat("active").getLabelsMap()).isEqualTo(Map.of("newer", "2"));
    }

    @Test
    void aLabelPathSetsOrDeletesOnlyThatLabel() {
        client().prepare("active", "", Map.of("keep", "k", "change", "old", "drop", "d", "blank", "b"));
        Info request = client().stat("active").toBuilder().clearLabels()
                .putLabels("change", "new").putLabels("added", "a").putLabels("blank", "").putLabels("ignored", "i")
                .build();

        Info updated = client().update(request, "labels.change", "labels.added", "labels.drop", "labels.blank");

        assertThat(updated.getLabelsMap())
                .as("set when given, deleted when absent or empty, untouched when not in the mask")
                .isEqualTo(Map.of("keep", "k", "change", "new", "added", "a"));
        assertThat(client().stat("active").getLabelsMap()).isEqualTo(updated.getLabelsMap());
    }

    @Test
    void labelKeysWithDotsAndSlashesAreAddressedByStrippingTheLabelsPrefixOnce() {
        client().prepare("active", "", Map.of());
        Info request = client().stat("active").toBuilder().clearLabels()
                .putLabels("containerd.io/gc.root", "now")
                .putLabels("labels.nested", "n")
                .putLabels("containerd.io/snapshot/remote", "remote snapshot")
                .build();

        Info updated = client().update(request,
                "labels.containerd.io/gc.root", "labels.labels.nested", "labels.containerd.io/snapshot/remote");

        assertThat(updated.getLabelsMap()).isEqualTo(Map.of("containerd.io/gc.root", "now", "labels.nested", "n",
                "containerd.io/snapshot/remote", "remote snapshot"));
    }

    @Test
    void updateChangesOnlyLabelsAndUpdatedAtAndReturnsWhatStatAndListReport() throws InterruptedException {
        client().prepare("base-a", "");
        client().commit("base", "base-a", Map.of("l", "1"));
        Info before = client().stat("base");
        Thread.sleep(5);

        Info request = before.toBuilder().setName("base").setParent("elsewhere").setKind(Kind.ACTIVE)
                .setCreatedAt(before.getCreatedAt().toBuilder().setSeconds(1)).clearLabels().putLabels("l", "2")
                .build();
        Info updated = client().update(request, "labels");

        assertThat(updated.getName()).isEqualTo("base");
        assertThat(updated.getParent()).isEmpty();
        assertThat(updated.getKind()).isEqualTo(Kind.COMMITTED);
        assertThat(updated.getCreatedAt()).isEqualTo(before.getCreatedAt());
        assertThat(instant(updated.getUpdatedAt())).isAfter(instant(before.getUpdatedAt()));
        assertThat(updated.getLabelsMap()).isEqualTo(Map.of("l", "2"));
        assertThat(client().stat("base")).isEqualTo(updated);
        assertThat(client().list("name==base")).containsExactly(updated);
    }

    @Test
    void aMaskNamingAnyFieldButLabelsIsRejectedAndChangesNothing() {
        client().prepare("active", "", Map.of("l", "1"));
        Info before = client().stat("active");
        Info request = before.toBuilder().clearLabels().putLabels("l", "2").setParent("p").build();

        for (List<String> mask : List.of(List.of("parent"), List.of("name"), List.of("kind"), List.of("created_at"),
                List.of("updated_at"), List.of("labelsx"), List.of("labels.l", "parent"))) {
            Status status = failure(() -> client().update(request, mask.toArray(String[]::new)));
            assertThat(status.getCode()).as("mask %s", mask).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(client().stat("active")).as("state after mask %s", mask).isEqualTo(before);
        }
    }
}
