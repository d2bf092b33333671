package org.cvmfsstargz.snapshotter.diagnose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.cvmfsstargz.snapshotter.diagnose.CheckResult.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code check} on the files sites really have: each release's {@code containerd config default}
 * (1.6.20, 1.7.24, 2.1.9), unchanged and with what {@code config containerd} prints added
 * (test resources {@code containerd-configs/}), and broken variants of the 2.1 one.
 */
class ContainerdReleaseConfigsTest {
    private static final Path FILE = Path.of("/etc/containerd/config.toml");
    private static final Path SOCKET = Path.of("/run/cvmfs-stargz-snapshotter/snapshotter.sock");
    private static final String EXPORTS_ON = "  enable_remote_snapshot_annotations = \"true\"\n";
    private static final String OUR_UNPACK = """
            [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
              platform = "linux"
              snapshotter = "cvmfs"
              differ = "walking"
            """;

    private static String resource(String name) throws IOException {
        try (InputStream in = ContainerdReleaseConfigsTest.class.getResourceAsStream("/containerd-configs/" + name)) {
            assertThat(in).as("test resource %s", name).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Each check's name with its status, e.g. "CRI snapshotter" -> FAIL; the worst wins for a repeated name. */
    private static Map<String, Status> byName(String toml) {
        return ContainerdConfigAnalysis.analyse(toml, FILE, SOCKET, "cvmfs").stream()
                .collect(Collectors.toMap(CheckResult::what, CheckResult::status,
                        (a, b) -> a == Status.FAIL || b == Status.FAIL ? Status.FAIL : Status.WARN));
    }

    private static CheckResult only(String toml, String what) {
        List<CheckResult> named = ContainerdConfigAnalysis.analyse(toml, FILE, SOCKET, "cvmfs").stream()
                .filter(r -> r.what().equals(what) && r.status() != Status.OK).toList();
        assertThat(named).as("non-OK results of %s", what).hasSize(1);
        return named.getFirst();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.6", "1.7", "2.1"})
    void eachReleasesDefaultWithWhatConfigContainerdPrintsAddedPassesEveryCheck(String release) throws IOException {
        Map<String, Status> results = byName(resource("with-cvmfs-" + release + ".toml"));

        assertThat(results.values()).containsOnly(Status.OK);
        assertThat(results).hasSize(release.equals("2.1") ? 6 : 3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.6", "1.7"})
    void aVersion2DefaultFailsTheProxyPluginAndBothCriChecks(String release) throws IOException {
        assertThat(byName(resource("default-" + release + ".toml"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "containerd proxy plugin", Status.FAIL, "CRI snapshotter", Status.FAIL,
                "CRI snapshot annotations", Status.FAIL));
    }

    @Test
    void the21DefaultFailsEveryPieceAndSaysWhatToAddForTheTransferService() throws IOException {
        String toml = resource("default-2.1.toml");

        assertThat(byName(toml)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "containerd proxy plugin", Status.FAIL, "CRI snapshotter", Status.FAIL,
                "CRI snapshot annotations", Status.FAIL, "transfer service labels", Status.FAIL,
                "proxy plugin root", Status.WARN, "transfer service unpack", Status.FAIL));
        assertThat(only(toml, "transfer service labels").fix()).hasValue(
                "add enable_remote_snapshot_annotations = \"true\" under [proxy_plugins.cvmfs.exports] and restart"
                        + " containerd");
        assertThat(only(toml, "transfer service unpack").fix()).hasValueSatisfying(fix -> assertThat(fix)
                .contains("[[plugins.'io.containerd.transfer.v1.local'.unpack_config]] with platform = \"linux\","
                        + " snapshotter = \"cvmfs\"").contains("one for overlayfs too"));
        assertThat(only(toml, "CRI snapshotter").fix()).hasValueSatisfying(fix -> assertThat(fix)
                .contains("[plugins.'io.containerd.cri.v1.images']"));
    }

    @Test
    void withoutTheAnnotationsExportTheTransferServicePassesNoLabels() throws IOException {
        String toml = resource("with-cvmfs-2.1.toml").replace(EXPORTS_ON, "");

        CheckResult labels = only(toml, "transfer service labels");

        assertThat(labels.status()).isEqualTo(Status.FAIL);
        assertThat(labels.detail()).contains("no enable_remote_snapshot_annotations in [proxy_plugins.cvmfs.exports]")
                .contains("every layer is pulled");
    }

    @Test
    void anAnnotationsExportWrittenAsABooleanFailsBecauseExportsAreStrings() throws IOException {
        String toml = resource("with-cvmfs-2.1.toml").replace(EXPORTS_ON,
                "  enable_remote_snapshot_annotations = true\n");

        assertThat(only(toml, "transfer service labels").detail()).contains("only \"true\" turns it on");
    }

    @Test
    void anUnpackListWithoutOursFailsAndOneWithoutOverlayfsWarns() throws IOException {
        String ours = resource("with-cvmfs-2.1.toml");
        String withoutOurs = ours.replace(OUR_UNPACK, "");
        String withoutOverlayfs = ours.replace(OUR_UNPACK.replace("cvmfs", "overlayfs"), "");
        assertThat(withoutOurs).isNotEqualTo(ours);
        assertThat(withoutOverlayfs).isNotEqualTo(ours);

        assertThat(only(withoutOurs, "transfer service unpack").status()).isEqualTo(Status.FAIL);
        assertThat(only(withoutOurs, "transfer service unpack").detail()).contains("lists snapshotters [overlayfs]"
                + " and not cvmfs");
        assertThat(only(withoutOverlayfs, "transfer service unpack").status()).isEqualTo(Status.WARN);
        assertThat(byName(withoutOverlayfs)).containsEntry("transfer service labels", Status.OK);
    }

    @Test
    void withoutTheRootExportCriCannotFindTheImageFilesystem() throws IOException {
        String toml = resource("with-cvmfs-2.1.toml")
                .replace("  root = \"/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs\"\n", "");

        CheckResult root = only(toml, "proxy plugin root");

        assertThat(root.status()).isEqualTo(Status.WARN);
        assertThat(root.detail()).contains("kubelet's image statistics");
    }

    @Test
    void the21CriImagesPluginWithAnnotationsDisabledFails() throws IOException {
        String toml = resource("with-cvmfs-2.1.toml").replace("    disable_snapshot_annotations = false\n",
                "    disable_snapshot_annotations = true\n");

        assertThat(only(toml, "CRI snapshot annotations").fix()).hasValueSatisfying(fix -> assertThat(fix)
                .contains("[plugins.'io.containerd.cri.v1.images']"));
    }
}
