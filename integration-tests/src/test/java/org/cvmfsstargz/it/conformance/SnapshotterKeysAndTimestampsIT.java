package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.failure;
import static org.cvmfsstargz.it.conformance.SnapshotsClient.instant;

import io.grpc.Status;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.cvmfsstargz.proto.types.Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Keys are opaque strings (reference §2.1): containerd sends {@code <ns>/<seq>/<key>} with slashes
 * and spaces, the Go suite sends absolute paths, and none of them may shape a directory name.
 * Timestamps (§7): both always set, created == updated at creation and at commit, finer than a
 * millisecond, and identical between Stat and List.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterKeysAndTimestampsIT {
    private static final List<String> ODD_KEYS = List.of(
            "k8s.io/42/extract-123456789-AbCd sha256:0123456789abcdef",
            "/var/lib/containerd/absolute/path",
            "../../../../etc/escape",
            "..",
            "ünïcødé/ключ/快照/🚀",
            "tab\tand  spaces ",
            "x".repeat(300));

    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    @Test
    void oddKeysAreStoredVerbatimAndNeverBecomePaths() {
        Set<Path> dirs = new HashSet<>();
        for (String key : ODD_KEYS) {
            List<Mount> mounts = client().prepare(key, "");
            Path source = Path.of(mounts.getFirst().getSource());
            assertThat(source.getParent().getParent()).as(key).isEqualTo(session.root().resolve("snapshots"));
            assertThat(source.getParent().getFileName().toString()).as(key).matches("[0-9]+");
            assertThat(source).isDirectory();
            dirs.add(source);
            assertThat(client().stat(key).getName()).isEqualTo(key);
            assertThat(client().mounts(key)).isEqualTo(mounts);

            String committed = key + " (committed)";
            client().commit(committed, key);
            String child = key + "/child";
            client().view(child, committed);
            assertThat(client().stat(child).getParent()).isEqualTo(committed);
            assertThat(failure(() -> client().prepare(committed, "")).getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        }
        assertThat(dirs).hasSize(ODD_KEYS.size());
        Set<String> listed = client().list().stream().map(Info::getName).collect(Collectors.toSet());
        for (String key : ODD_KEYS) {
            assertThat(listed).contains(key + " (committed)", key + "/child").doesNotContain(key);
        }
        assertThat(client().listNames("name==\"k8s.io/42/extract-123456789-AbCd sha256:0123456789abcdef (committed)\""))
                .hasSize(1);
    }

    @Test
    void oddKeysCanBeRemovedAndReused() {
        for (String key : ODD_KEYS) {
            client().prepare(key, "");
            client().remove(key);
            assertThat(failure(() -> client().stat(key)).getCode()).isEqualTo(Status.Code.NOT_FOUND);
            client().view(key, "");
            assertThat(client().stat(key).getKind()).isEqualTo(Kind.VIEW);
        }
        assertThat(client().listNames()).containsExactlyInAnyOrderElementsOf(ODD_KEYS);
    }

    @Test
    void createdEqualsUpdatedAtCreationAndAgainAtCommit() throws InterruptedException {
        Instant start = Instant.now().truncatedTo(ChronoUnit.MICROS);
        client().prepare("active", "");
        client().view("view", "");
        Info active = client().stat("active");
        Thread.sleep(5);
        client().commit("committed", "active");
        Instant end = Instant.now();

        for (String key : List.of("view", "committed")) {
            Info info = client().stat(key);
            assertThat(info.hasCreatedAt()).isTrue();
            assertThat(info.getUpdatedAt()).as(key).isEqualTo(info.getCreatedAt());
            assertThat(instant(info.getCreatedAt())).as(key).isBetween(start, end);
        }
        assertThat(active.getUpdatedAt()).isEqualTo(active.getCreatedAt());
        assertThat(instant(client().stat("committed").getCreatedAt()))
                .as("Commit stamps a new creation time").isAfter(instant(active.getCreatedAt()));
    }

    @Test
    void timestampsAreFinerThanAMillisecond() {
        for (int i = 0; i < 8; i++) {
            client().prepare("k" + i, "");
        }
        List<Integer> nanos = client().list().stream().map(info -> info.getCreatedAt().getNanos()).toList();
        assertThat(nanos).hasSize(8);
        assertThat(nanos).as("at least one of 8 creation times has sub-millisecond digits")
                .anyMatch(n -> n % 1_000_000 != 0);
    }

    @Test
    void statAndListReturnIdenticalInfosForEveryKind() {
        client().prepare("base-a", "", Map.of("a", "1"));
        client().commit("base", "base-a", Map.of("c", "1", "containerd.io/snapshot.ref", "sha256:x"));
        client().prepare("active", "base", Map.of("k", "v"));
        client().view("view", "base", Map.of());
        client().update(client().stat("view").toBuilder().putLabels("later", "yes").build(), "labels.later");

        List<Info> listed = client().list();
        assertThat(listed).hasSize(3);
        for (Info info : listed) {
            assertThat(info.getKind()).isNotEqualTo(Kind.UNKNOWN);
            assertThat(client().stat(info.getName())).isEqualTo(info);
        }
    }
}
