package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ContainerdReleaseTest {
    private static Optional<ContainerdRelease> detected(String versionOutput) {
        return ContainerdRelease.versionIn(versionOutput).flatMap(ContainerdRelease::of);
    }

    @Test
    void debiansContainerd16IsRecognised() {
        assertThat(detected("containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+deb12u3\n"))
                .contains(ContainerdRelease.V1_6);
    }

    @Test
    void dockersContainerdIo17IsRecognised() {
        assertThat(detected("containerd containerd.io 1.7.27 05044ec0a9a75232cad458027ca83437aae3f4da\n"))
                .contains(ContainerdRelease.V1_7);
    }

    @Test
    void upstreamContainerd2IsRecognisedDespiteTheV2InItsModulePath() {
        assertThat(detected("containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376\n"))
                .contains(ContainerdRelease.V2);
        assertThat(detected("containerd github.com/containerd/containerd/v2 v2.0.0 207ad711eabd375a01713109a8a197d197ff6542"))
                .contains(ContainerdRelease.V2);
    }

    @Test
    void unsupportedOrMissingVersionsAreNotGuessed() {
        assertThat(ContainerdRelease.versionIn("containerd github.com/containerd/containerd v1.5.9 1407cab"))
                .contains("v1.5.9");
        assertThat(detected("containerd github.com/containerd/containerd v1.5.9 1407cab")).isEmpty();
        assertThat(detected("containerd containerd.io 3.0.0 abc")).isEmpty();
        assertThat(detected("containerd: unknown flag --version")).isEmpty();
        assertThat(detected("")).isEmpty();
    }

    @Test
    void theOptionTakesAReleaseLineOrAVersionNumber() {
        assertThat(ContainerdRelease.of("1.6")).contains(ContainerdRelease.V1_6);
        assertThat(ContainerdRelease.of("1.7")).contains(ContainerdRelease.V1_7);
        assertThat(ContainerdRelease.of("2.x")).contains(ContainerdRelease.V2);
        assertThat(ContainerdRelease.of("v2.1.4")).contains(ContainerdRelease.V2);
        assertThat(ContainerdRelease.of("1.7.27")).contains(ContainerdRelease.V1_7);
        assertThat(ContainerdRelease.of("1.8")).isEmpty();
        assertThat(ContainerdRelease.of("latest")).isEmpty();
    }
}
