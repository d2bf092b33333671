package org.cvmfsstargz.cvmfs.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RepositoryTest {
    private static final LayerDigest DIGEST = LayerDigest.parse("sha256:" + LayerDigestTest.HEX);

    @Test
    void theRootIsTheMountpointAndTheName() {
        Repository repository = new Repository(Path.of("/cvmfs"), "unpacked.cern.ch");
        assertThat(repository.root()).isEqualTo(Path.of("/cvmfs/unpacked.cern.ch"));
        assertThat(Repository.underCvmfs("unpacked.cern.ch")).isEqualTo(repository);
    }

    @Test
    void theLayerDirFollowsTheDuccLayout() {
        assertThat(Repository.underCvmfs("unpacked.cern.ch").layerDir(DIGEST)).isEqualTo(Path.of(
                "/cvmfs/unpacked.cern.ch/.layers/e9/" + LayerDigestTest.HEX + "/layerfs"));
    }

    @Test
    void theMountpointIsNormalized() {
        assertThat(new Repository(Path.of("/srv/./cvmfs/"), "r").root()).isEqualTo(Path.of("/srv/cvmfs/r"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", ".", "..", "a/b", "../etc", "/abs", " x", "x\0y"})
    void aNameThatIsNotOneSegmentIsRefused(String name) {
        assertThatThrownBy(() -> new Repository(Path.of("/cvmfs"), name))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("single path segment");
    }

    @Test
    void aRelativeMountpointIsRefused() {
        assertThatThrownBy(() -> new Repository(Path.of("cvmfs"), "r"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("absolute");
    }
}
