package org.cvmfsstargz.it.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.proto.snapshots.v1.UsageResponse;
import org.cvmfsstargz.proto.types.Mount;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Usage as overlay reports it (reference §2.5): an active snapshot's usage is computed from its
 * own fs directory on every call (continuity's DiskUsage: unique inodes, {@code st_blocks * 512}
 * bytes, the directory itself included, parents excluded); a committed snapshot's is the value
 * stored at commit; a view's is zero. du(1) computes the same figures, so it is the oracle here.
 *
 * <p>One daemon serves the whole class; {@link SnapshotterSession#perClass()} empties it between tests.
 */
class SnapshotterUsageIT {
    @RegisterExtension
    static final SnapshotterSession session = SnapshotterSession.perClass();

    private SnapshotsClient client() {
        return session.client();
    }

    private static UsageResponse du(Path dir) throws IOException, InterruptedException {
        long bytes = Long.parseLong(firstField(List.of("du", "-s", "-B1", dir.toString())));
        long inodes = Long.parseLong(firstField(List.of("du", "-s", "--inodes", dir.toString())));
        return UsageResponse.newBuilder().setSize(bytes).setInodes(inodes).build();
    }

    private static String firstField(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
        return out.strip().split("\\s+")[0];
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        new Random(n).nextBytes(b);
        return b;
    }

    /** Mounts {@code key}'s mounts on work/name and writes into it: 100 KiB file, a hard link, a dir. */
    private void writeSample(List<Mount> mounts, String name) throws IOException {
        Path target = session.workDir(name);
        session.mounter().mountAll(mounts, target);
        try {
            Files.write(target.resolve("big"), randomBytes(100 * 1024));
            Files.createLink(target.resolve("big-link"), target.resolve("big"));
            Files.createDirectory(target.resolve("dir"));
            Files.writeString(target.resolve("dir/small"), "small");
        } finally {
            session.mounter().unmount(target);
        }
    }

    @Test
    void anActiveSnapshotsUsageIsComputedFromItsOwnDirectoryOnEveryCall() throws Exception {
        List<Mount> mounts = client().prepare("active", "");
        Path fs = SnapshotsClient.fsDir(mounts);
        assertThat(client().usage("active")).as("empty: just the directory").isEqualTo(du(fs));
        assertThat(client().usage("active").getInodes()).isEqualTo(1);

        writeSample(mounts, "active");

        UsageResponse usage = client().usage("active");
        assertThat(usage).isEqualTo(du(fs));
        assertThat(usage.getInodes()).as("root, big (its link counted once), dir, small").isEqualTo(4);
        assertThat(usage.getSize()).isGreaterThanOrEqualTo(100 * 1024);
    }

    @Test
    void anActiveSnapshotsUsageLeavesItsParentsOut() throws Exception {
        List<Mount> baseMounts = client().prepare("base-a", "");
        writeSample(baseMounts, "base");
        client().commit("base", "base-a");

        List<Mount> mounts = client().prepare("child", "base");
        Path target = session.workDir("child");
        session.mounter().mountAll(mounts, target);
        Files.writeString(target.resolve("note"), "child only");
        session.mounter().unmount(target);

        UsageResponse usage = client().usage("child");
        assertThat(usage).isEqualTo(du(SnapshotsClient.fsDir(mounts)));
        assertThat(usage.getInodes()).isEqualTo(2);
        assertThat(usage.getSize()).isLessThan(100 * 1024);
    }

    @Test
    void aCommittedSnapshotsUsageIsTheValueStoredAtCommit() throws Exception {
        List<Mount> mounts = client().prepare("active", "");
        writeSample(mounts, "active");
        UsageResponse atCommit = client().usage("active");
        client().commit("committed", "active");
        assertThat(client().usage("committed")).isEqualTo(atCommit);

        // Grow the committed directory behind the daemon's back: a stored figure must not move.
        Path fs = SnapshotsClient.fsDir(mounts);
        Files.write(fs.resolve("added-later"), randomBytes(64 * 1024));
        assertThat(du(fs)).isNotEqualTo(atCommit);
        assertThat(client().usage("committed")).isEqualTo(atCommit);
    }

    @Test
    void aViewsUsageIsZero() throws Exception {
        List<Mount> mounts = client().prepare("active", "");
        writeSample(mounts, "active");
        client().commit("committed", "active");
        client().view("view-on-committed", "committed");
        client().view("view-on-nothing", "");

        assertThat(client().usage("view-on-committed")).isEqualTo(UsageResponse.getDefaultInstance());
        assertThat(client().usage("view-on-nothing")).isEqualTo(UsageResponse.getDefaultInstance());
    }
}
