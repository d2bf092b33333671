package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;

import io.grpc.Status;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsRequest;
import org.cvmfsstargz.proto.snapshots.v1.ListSnapshotsResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * List with containerd's filter grammar (reference §2.7), beyond the conformance {@code Walk} test:
 * the remote-snapshot lookup containerd's metadata layer sends, quoting, {@code !=} and {@code ~=}
 * semantics, unknown fields, parse errors, and a listing long enough to need several batches.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterListFilterIT {
    private static final String REF = "containerd.io/snapshot.ref";

    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    /** base (ref=sha256:base) ← layer (ref=sha256:layer), plus look-alikes with other parents or refs. */
    private void createRemoteLikeChain() {
        client().prepare("k8s.io/1/extract-1 sha256:base", "", Map.of(REF, "sha256:base"));
        client().commit("sha256:base", "k8s.io/1/extract-1 sha256:base", Map.of(REF, "sha256:base"));
        client().prepare("k8s.io/2/extract-2 sha256:layer", "sha256:base", Map.of(REF, "sha256:layer"));
        client().commit("sha256:layer", "k8s.io/2/extract-2 sha256:layer", Map.of(REF, "sha256:layer"));
        client().prepare("orphan-a", "", Map.of(REF, "sha256:layer"));
        client().commit("sha256:layer-without-parent", "orphan-a", Map.of(REF, "sha256:layer"));
        // Labelled after Prepare: a Prepare carrying the ref of an existing target would be answered
        // ALREADY_EXISTS, as the remote-snapshot protocol requires when a layer source is configured.
        client().prepare("active-with-ref", "sha256:base", Map.of());
        client().update(Info.newBuilder().setName("active-with-ref").putLabels(REF, "sha256:layer").build(),
                "labels." + REF);
    }

    @Test
    void theRemoteSnapshotLookupFilterMatchesOnQuotedLabelKeyAndParent() {
        createRemoteLikeChain();

        assertThat(client().listNames("labels.\"" + REF + "\"==sha256:base,parent==\"\""))
                .containsExactly("sha256:base");
        assertThat(client().listNames("labels.\"" + REF + "\"==sha256:layer,parent==\"sha256:base\""))
                .containsExactlyInAnyOrder("sha256:layer", "active-with-ref");
        assertThat(client().listNames("labels.\"" + REF + "\"==\"sha256:layer\",parent==\"\""))
                .containsExactly("sha256:layer-without-parent");
        assertThat(client().listNames("labels.\"" + REF + "\"==sha256:layer,parent==\"sha256:base\",kind==committed"))
                .containsExactly("sha256:layer");
    }

    @Test
    void quotedValuesMayHoldCommasEqualsSignsSlashesAndSpaces() {
        client().prepare("odd", "", Map.of("v", "a,b==c", "p", "k8s.io/42/x y"));
        client().prepare("plain", "", Map.of("v", "a", "p", "k8s.io"));

        assertThat(client().listNames("labels.v==\"a,b==c\"")).containsExactly("odd");
        assertThat(client().listNames("labels.p==\"k8s.io/42/x y\"")).containsExactly("odd");
        assertThat(client().listNames("labels.\"v\"==a")).containsExactly("plain");
    }

    @Test
    void notEqualAlsoMatchesSnapshotsThatLackTheField() {
        client().prepare("two", "", Map.of("l", "2"));
        client().prepare("three", "", Map.of("l", "3"));
        client().prepare("none", "", Map.of());

        assertThat(client().listNames("labels.l!=2")).containsExactlyInAnyOrder("three", "none");
        assertThat(client().listNames("kind!=active")).isEmpty();
    }

    @Test
    void regexpMatchIsUnanchoredUnlessTheExpressionAnchorsIt() {
        client().prepare("filter-one", "", Map.of("l", "10"));
        client().prepare("one-filter", "", Map.of("l", "3"));
        client().view("unrelated", "", Map.of());

        assertThat(client().listNames("name~=filter")).containsExactlyInAnyOrder("filter-one", "one-filter");
        assertThat(client().listNames("name~=^filter")).containsExactly("filter-one");
        assertThat(client().listNames("labels.l~=^[13]")).containsExactlyInAnyOrder("filter-one", "one-filter");
        assertThat(client().listNames("kind~=vie")).containsExactly("unrelated");
    }

    @Test
    void unknownFieldsMatchNothingAndPresenceOfAFieldMatchesWhereItExists() {
        client().prepare("labelled", "", Map.of("l", "1"));
        client().prepare("bare", "", Map.of());

        assertThat(client().listNames("nosuchfield==x")).isEmpty();
        assertThat(client().listNames("labels.l")).containsExactly("labelled");
        assertThat(client().listNames("kind")).containsExactlyInAnyOrder("labelled", "bare");
        assertThat(client().listNames("parent==\"\"")).containsExactlyInAnyOrder("labelled", "bare");
    }

    @Test
    void anUnparsableFilterIsInvalidArgument() {
        client().prepare("any", "", Map.of());
        for (String filter : List.of("name==", "labels.\"unterminated", "==x", "name==a,")) {
            assertThat(failure(() -> client().list(filter)).getCode()).as(filter)
                    .isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void aListingOfManySnapshotsReturnsEachExactlyOnceAcrossItsBatches() throws Exception {
        int count = 260;
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Callable<Object>> creations = IntStream.range(0, count)
                    .<Callable<Object>>mapToObj(i -> () -> client().prepare("many-" + i, "", Map.of("i", "" + i)))
                    .toList();
            for (Future<Object> created : pool.invokeAll(creations)) {
                created.get();
            }
        }

        Iterator<ListSnapshotsResponse> stream = client().stub()
                .list(ListSnapshotsRequest.newBuilder().setSnapshotter(SnapshotsClient.SNAPSHOTTER).build());
        Set<String> seen = new HashSet<>();
        int infos = 0;
        while (stream.hasNext()) {
            for (Info info : stream.next().getInfoList()) {
                seen.add(info.getName());
                assertThat(info.getLabelsMap()).containsEntry("i", info.getName().substring("many-".length()));
                infos++;
            }
        }
        assertThat(infos).isEqualTo(count);
        assertThat(seen).hasSize(count);
    }
}
