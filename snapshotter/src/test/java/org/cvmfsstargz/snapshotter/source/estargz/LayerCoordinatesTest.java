package org.cvmfsstargz.snapshotter.source.estargz;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.Test;

class LayerCoordinatesTest {
    private static final String LAYER = "sha256:" + "a".repeat(64);
    private static final String TOC = "sha256:" + "b".repeat(64);
    private static final String NEXT = "sha256:" + "c".repeat(64);
    private static final String LAST = "sha256:" + "d".repeat(64);

    @Test
    void ctrRemoteLabelsNameTheImageTheLayerAndItsToc() {
        var parsed = LayerCoordinates.parse(Map.of(RemoteLabels.STARGZ_DIGEST, LAYER,
                RemoteLabels.STARGZ_REFERENCE, "127.0.0.1:5000/test/image:esgz", LayerCoordinates.TOC_DIGEST, TOC));
        assertThat(parsed).isInstanceOfSatisfying(LayerCoordinates.Parsed.Found.class, found -> {
            assertThat(found.coordinates().repository().registry()).isEqualTo("127.0.0.1:5000");
            assertThat(found.coordinates().repository().repository()).isEqualTo("test/image");
            assertThat(found.coordinates().layer().value()).isEqualTo(LAYER);
            assertThat(found.coordinates().tocDigest()).hasValueSatisfying(d -> assertThat(d.value()).isEqualTo(TOC));
        });
    }

    @Test
    void criLabelsWinAndTheTocDigestMayBeAbsent() {
        var parsed = LayerCoordinates.parse(Map.of(RemoteLabels.CRI_LAYER_DIGEST, LAYER,
                RemoteLabels.CRI_IMAGE_REF, "docker.io/library/busybox:latest",
                RemoteLabels.STARGZ_REFERENCE, "elsewhere.example/x:y"));
        assertThat(parsed).isInstanceOfSatisfying(LayerCoordinates.Parsed.Found.class, found -> {
            assertThat(found.coordinates().repository().repository()).isEqualTo("library/busybox");
            assertThat(found.coordinates().tocDigest()).isEmpty();
        });
    }

    @Test
    void missingOrUnusableLabelsAreDeclinedWithTheirReason() {
        assertThat(LayerCoordinates.parse(Map.of())).isInstanceOfSatisfying(LayerCoordinates.Parsed.Declined.class,
                d -> assertThat(d.notMine().code()).isEqualTo(DeclineReason.NO_DIGEST));
        assertThat(LayerCoordinates.parse(Map.of(RemoteLabels.STARGZ_DIGEST, LAYER)))
                .isInstanceOfSatisfying(LayerCoordinates.Parsed.Declined.class,
                        d -> assertThat(d.notMine().reason()).contains("image reference"));
        assertThat(LayerCoordinates.parse(Map.of(RemoteLabels.STARGZ_DIGEST, "sha256:../../etc",
                RemoteLabels.STARGZ_REFERENCE, "127.0.0.1:5000/a:b")))
                .isInstanceOfSatisfying(LayerCoordinates.Parsed.Declined.class,
                        d -> assertThat(d.notMine().code()).isEqualTo(DeclineReason.INVALID_DIGEST));
        assertThat(LayerCoordinates.parse(Map.of(RemoteLabels.STARGZ_DIGEST, LAYER,
                RemoteLabels.STARGZ_REFERENCE, "127.0.0.1:5000/a:b", LayerCoordinates.TOC_DIGEST, "md5:x")))
                .isInstanceOfSatisfying(LayerCoordinates.Parsed.Declined.class,
                        d -> assertThat(d.notMine().code()).isEqualTo(DeclineReason.INVALID_DIGEST));
    }

    @Test
    void theLayersListedAfterThisOneAreTheOnesToFetchAhead() {
        Map<String, String> labels = Map.of(RemoteLabels.STARGZ_DIGEST, LAYER,
                RemoteLabels.STARGZ_REFERENCE, "127.0.0.1:5000/a:b",
                LayerCoordinates.STARGZ_LAYERS, LAYER + "," + NEXT + "," + LAST);

        assertThat(LayerCoordinates.parse(labels)).isInstanceOfSatisfying(LayerCoordinates.Parsed.Found.class,
                found -> assertThat(found.coordinates().following()).extracting(Digest::value)
                        .containsExactly(NEXT, LAST));
    }

    @Test
    void criListWinsAndCutOrRepeatedItemsAreSkipped() {
        Map<String, String> labels = Map.of(
                LayerCoordinates.CRI_IMAGE_LAYERS, LAYER + ", " + NEXT + "," + NEXT + "," + LAST.substring(0, 30),
                LayerCoordinates.STARGZ_LAYERS, LAYER + "," + LAST);

        assertThat(LayerCoordinates.following(labels, Digest.parse(LAYER))).extracting(Digest::value)
                .containsExactly(NEXT);
        assertThat(LayerCoordinates.following(Map.of(), Digest.parse(LAYER))).isEmpty();
        assertThat(LayerCoordinates.following(Map.of(LayerCoordinates.STARGZ_LAYERS, LAYER), Digest.parse(LAYER)))
                .isEmpty();
    }

    @Test
    void aListWithoutThisLayerIsTakenWhole() {
        assertThat(LayerCoordinates.following(Map.of(LayerCoordinates.STARGZ_LAYERS, NEXT + "," + LAST),
                Digest.parse(LAYER))).extracting(Digest::value).containsExactly(NEXT, LAST);
    }
}
