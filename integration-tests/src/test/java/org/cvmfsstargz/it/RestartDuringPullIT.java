package org.cvmfsstargz.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.ContainerdProcess.BackgroundCtr;
import org.cvmfsstargz.it.support.ContainerdProcess.CtrResult;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.proto.snapshots.v1.CleanupRequest;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of the daemon while containerd unpacks a pulled image into it (Prepare, apply, Commit per
 * layer), then a restart on the same root: the store must come back consistent and a second pull
 * must succeed. containerd keeps running throughout and re-dials the socket on its own.
 */
@Timeout(100)
class RestartDuringPullIT {
    /** Enough layers that the unpack is still going when the first Commit shows up in List. */
    private static final int LAYERS = 30;
    private static final Duration DEADLINE = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    private RegistryProcess registry;
    private DaemonProcess daemon;
    private ContainerdProcess containerd;

    @BeforeEach
    void startRegistryDaemonAndContainerd() throws IOException {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"));
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), daemon.socket());
        // Reads the field on each failure: the daemon is replaced by its restarted self mid-test.
        containerd.alsoReportOnFailure(() -> "--- daemon snapshot directories: " + daemon.snapshotDirectories()
                + "\n--- daemon log (both runs) ---\n" + daemon.logText());
    }

    @AfterEach
    void stopEverything() {
        Teardown.stop(tmp, containerd, daemon, registry);
    }

    @Test
    void aDaemonKilledDuringAnUnpackRestartsConsistentAndTheRetriedPullRuns() throws IOException {
        Image image = manyLayers(registry.hostPort() + "/it/many:1").writeArchive(tmp.resolve("many.tar"));
        pushThenForget(image);
        // Also opens the test's channel now: its first call is slow, and the unpack does not wait.
        assertThat(daemon.list()).as("nothing unpacked into the daemon yet").isEmpty();

        BackgroundCtr pull = containerd.startCtr("images", "pull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.name());
        Set<String> committedBeforeKill = awaitFirstCommit(pull);
        daemon.kill();
        CtrResult interrupted = pull.await(DEADLINE);
        assertThat(interrupted.exitCode()).as(interrupted.describe() + containerd.diagnostics()).isNotZero();

        daemon = DaemonProcess.start(daemon.root(), daemon.socket());
        List<Info> restarted = assertStoreConsistent();
        assertThat(restarted).extracting(Info::getName).as("commits acknowledged before the kill survive it\n%s",
                containerd.diagnostics()).containsAll(committedBeforeKill);

        containerd.awaitSnapshotterReconnected(DEADLINE);
        containerd.ctrOk("images", "pull", "--plain-http", "--snapshotter", SNAPSHOTTER, image.name());
        String output = containerd.runAndRemove(image.name(), "after-restart", "/bin/sh", "-c",
                "cat /layers/1.txt /layers/" + (LAYERS - 1) + ".txt; ls /layers | wc -l");
        assertThat(output).as(containerd.diagnostics())
                .isEqualTo("layer 1\nlayer " + (LAYERS - 1) + "\n" + (LAYERS - 1) + "\n");

        // The next collection also removes what the interrupted pull left behind in the daemon.
        containerd.ctrOk("images", "rm", "--sync", image.name());
        awaitTrue(() -> daemon.list().isEmpty() && daemon.snapshotDirectories().isEmpty(),
                () -> "left after GC: " + daemon.list() + "\ndirectories: " + daemon.snapshotDirectories());
    }

    /**
     * After the crash every listed parent is listed too, and once Cleanup has run there is one
     * directory per listed snapshot: none lost, none orphaned. containerd's GC may still be talking
     * to the new daemon, so the check repeats until List gives the same answer before and after.
     */
    private List<Info> assertStoreConsistent() {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (true) {
            List<Info> before = daemon.list();
            Set<String> names = before.stream().map(Info::getName).collect(Collectors.toSet());
            assertThat(before).as("every parent of a listed snapshot is listed\n%s", containerd.diagnostics())
                    .allSatisfy(info -> assertThat(info.getParent().isEmpty() || names.contains(info.getParent()))
                            .as("parent %s of %s", info.getParent(), info.getName()).isTrue());
            daemon.snapshots().cleanup(CleanupRequest.newBuilder().setSnapshotter(SNAPSHOTTER).build());
            List<String> directories = daemon.snapshotDirectories();
            List<Info> after = daemon.list();
            boolean quiet = names.equals(after.stream().map(Info::getName).collect(Collectors.toSet()));
            if (quiet || Instant.now().isAfter(deadline)) {
                assertThat(directories).as("one directory per listed snapshot after Cleanup; listed: %s\n%s",
                        after, containerd.diagnostics()).hasSize(after.size());
                return after;
            }
        }
    }

    /** Polls List while the pull runs; returns the names of the first committed snapshots seen. */
    private Set<String> awaitFirstCommit(BackgroundCtr pull) {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (pull.process().isAlive() && Instant.now().isBefore(deadline)) {
            Set<String> committed = daemon.list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                    .map(Info::getName).collect(Collectors.toSet());
            if (!committed.isEmpty()) {
                return committed;
            }
            pause(Duration.ofMillis(5));
        }
        throw new AssertionError(pull.process().isAlive()
                ? "no Commit within " + DEADLINE + containerd.diagnostics()
                : "the pull ended before any Commit was seen, so nothing was interrupted (add layers?): "
                        + pull.await(DEADLINE).describe() + containerd.diagnostics());
    }

    /** Puts the image in the registry only, as if someone else had pushed it. */
    private void pushThenForget(Image image) {
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        containerd.pushOk(image.name());
        containerd.ctrOk("images", "rm", "--sync", image.name());
    }

    /**
     * Busybox and then {@code LAYERS - 1} layers of one small file each; every third also carries
     * 1 MiB of incompressible bytes so that applying it takes a moment.
     */
    private static OciImageBuilder manyLayers(String name) throws IOException {
        OciImageBuilder builder = OciImageBuilder.image(name).layer(Layer.busyboxBase());
        for (int i = 1; i < LAYERS; i++) {
            Layer layer = new Layer().file("layers/" + i + ".txt", "layer " + i + "\n");
            if (i % 3 == 0) {
                layer.file("blobs/" + i + ".bin", Layer.randomBytes(i, 1 << 20), 0644);
            }
            builder.layer(layer);
        }
        return builder;
    }

    private static long committed(List<Info> infos) {
        return infos.stream().filter(i -> i.getKind() == Kind.COMMITTED).count();
    }

    private void awaitTrue(BooleanSupplier condition, Supplier<String> state) {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not within " + DEADLINE + ": " + state.get() + containerd.diagnostics());
            }
            pause(Duration.ofMillis(50));
        }
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
