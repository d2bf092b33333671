package org.cvmfsstargz.snapshotter.diagnose;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.cvmfsstargz.snapshotter.diagnose.CheckResult.Status;
import org.junit.jupiter.api.Test;

class ContainerdConfigAnalysisTest {
    private static final Path FILE = Path.of("/etc/containerd/config.toml");
    private static final Path SOCKET = Path.of("/run/cvmfs-stargz-snapshotter/snapshotter.sock");

    private static final String PROXY = """
            [proxy_plugins.cvmfs]
              type = "snapshot"
              address = "/run/cvmfs-stargz-snapshotter/snapshotter.sock"
            """;

    private static List<CheckResult> analyse(String toml) {
        return ContainerdConfigAnalysis.analyse(toml, FILE, SOCKET, "cvmfs");
    }

    private static List<Status> statuses(List<CheckResult> results) {
        return results.stream().map(CheckResult::status).toList();
    }

    @Test
    void aVersion2FileAsContainerd16And17ReadItPassesEveryCheck() {
        List<CheckResult> results = analyse("version = 2\n" + PROXY + """
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = false
                """);
        assertThat(statuses(results)).containsExactly(Status.OK, Status.OK, Status.OK);
        assertThat(results.get(1).detail()).contains("[plugins.\"io.containerd.grpc.v1.cri\".containerd]")
                .contains("version 2");
    }

    @Test
    void aVersion3FileAsContainerd2ReadsItPassesEveryCheck() {
        List<CheckResult> results = analyse("version = 3\n" + PROXY + """
                [proxy_plugins.cvmfs.exports]
                  root = "/var/lib/cvmfs-stargz-snapshotter"
                  enable_remote_snapshot_annotations = "true"
                [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
                  platform = "linux"
                  snapshotter = "overlayfs"
                [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
                  platform = "linux"
                  snapshotter = "cvmfs"
                [plugins.'io.containerd.cri.v1.images']
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = false
                """);
        assertThat(statuses(results)).containsOnly(Status.OK).hasSize(6);
    }

    @Test
    void aVersion3FileWithCriSettingsInTheVersion2TableFailsTheCriChecks() {
        List<CheckResult> results = analyse("version = 3\n" + PROXY + """
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = false
                """);
        assertThat(statuses(results).subList(0, 3)).containsExactly(Status.OK, Status.FAIL, Status.FAIL);
        assertThat(results.get(1).fix()).hasValueSatisfying(f -> f.contains("[plugins.'io.containerd.cri.v1.images']"));
    }

    @Test
    void aFileWithoutVersionIsReadInTheVersion1Layout() {
        List<CheckResult> results = analyse(PROXY + """
                [plugins.cri.containerd]
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = false
                """);
        assertThat(statuses(results)).containsExactly(Status.OK, Status.OK, Status.OK);
    }

    @Test
    void aMissingProxyPluginFailsWithTheCommandThatPrintsOne() {
        List<CheckResult> results = analyse("""
                version = 2
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "overlayfs"
                """);
        assertThat(results.getFirst().status()).isEqualTo(Status.FAIL);
        assertThat(results.getFirst().line()).contains("no [proxy_plugins] entry of type \"snapshot\"")
                .contains("config containerd");
        assertThat(results.get(1).line()).startsWith("FAIL CRI snapshotter").contains("snapshotter = \"overlayfs\"");
    }

    @Test
    void aProxyPluginAtAnotherAddressFailsNamingBothAddresses() {
        List<CheckResult> results = analyse("""
                version = 2
                [proxy_plugins.stargz]
                  type = "snapshot"
                  address = "/run/containerd-stargz-grpc/containerd-stargz-grpc.sock"
                [proxy_plugins.other]
                  type = "content"
                  address = "/run/cvmfs-stargz-snapshotter/snapshotter.sock"
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = false
                """);
        assertThat(results.getFirst().status()).isEqualTo(Status.FAIL);
        assertThat(results.getFirst().detail()).contains("stargz at \"/run/containerd-stargz-grpc/")
                .contains(SOCKET.toString()).doesNotContain("other");
    }

    @Test
    void theCriSnapshotterMustBeThePluginFoundAtOurSocketWhateverItsName() {
        List<CheckResult> results = analyse("""
                version = 2
                [proxy_plugins.lazy]
                  type = "snapshot"
                  address = "/run/cvmfs-stargz-snapshotter/snapshotter.sock"
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "lazy"
                  disable_snapshot_annotations = false
                """);
        assertThat(statuses(results)).containsExactly(Status.OK, Status.OK, Status.OK);
    }

    @Test
    void disabledSnapshotAnnotationsFailBecauseCriThenPullsEveryLayer() {
        List<CheckResult> results = analyse("version = 2\n" + PROXY + """
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "cvmfs"
                  disable_snapshot_annotations = true
                """);
        assertThat(statuses(results)).containsExactly(Status.OK, Status.OK, Status.FAIL);
        assertThat(results.get(2).line()).startsWith("FAIL CRI snapshot annotations: disable_snapshot_annotations"
                + " = true").contains("fix: set disable_snapshot_annotations = false");
    }

    @Test
    void unsetSnapshotAnnotationsFailBecauseContainerdDefaultsToDisablingThem() {
        List<CheckResult> results = analyse("version = 3\n" + PROXY + """
                [plugins.'io.containerd.cri.v1.images']
                  snapshotter = "cvmfs"
                """);
        assertThat(results.get(2).status()).isEqualTo(Status.FAIL);
        assertThat(results.get(2).detail()).contains("not set (containerd's default is true)");
    }

    @Test
    void invalidTomlIsOneFailureNamingTheFile() {
        List<CheckResult> results = analyse("version = 2\n[proxy_plugins.cvmfs\n type = \"snapshot\"\n");
        assertThat(results).hasSize(1);
        assertThat(results.getFirst().status()).isEqualTo(Status.FAIL);
        assertThat(results.getFirst().detail()).startsWith(FILE + " is not valid TOML: ");
    }

    @Test
    void anUnknownVersionIsOneFailure() {
        List<CheckResult> results = analyse("version = 7\n" + PROXY);
        assertThat(results).hasSize(1);
        assertThat(results.getFirst().detail()).contains("version = 7");
    }

    @Test
    void anEmptyFileFailsEveryCheck() {
        assertThat(statuses(analyse(""))).containsExactly(Status.FAIL, Status.FAIL, Status.FAIL);
    }
}
