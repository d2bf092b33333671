package org.cvmfsstargz.snapshotter.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RemoteLabelsTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void theImageLayersComeFromTheCriLabelElseFromCtrRemotes() {
        assertThat(RemoteLabels.imageLayers(Map.of(RemoteLabels.CRI_IMAGE_LAYERS, A + "," + B,
                RemoteLabels.STARGZ_LAYERS, B))).containsExactly(A, B);
        assertThat(RemoteLabels.imageLayers(Map.of(RemoteLabels.STARGZ_LAYERS, B + "," + A))).containsExactly(B, A);
        assertThat(RemoteLabels.imageLayers(Map.of())).isEmpty();
    }

    @Test
    void blanksAreDroppedAndEverythingElseIsLeftForTheSourcesToValidate() {
        assertThat(RemoteLabels.imageLayers(Map.of(RemoteLabels.CRI_IMAGE_LAYERS, " " + A + ",,sha256:cut-sho, ")))
                .containsExactly(A, "sha256:cut-sho");
    }
}
