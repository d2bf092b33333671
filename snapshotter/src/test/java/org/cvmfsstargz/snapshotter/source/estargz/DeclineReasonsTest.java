package org.cvmfsstargz.snapshotter.source.estargz;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.registry.RegistryException;
import org.junit.jupiter.api.Test;

/** {@link EstargzLayerSource#declined}: why a layer whose footer or TOC could not be had is pulled. */
class DeclineReasonsTest {
    private static RegistryException status(int code) {
        return RegistryException.forStatus(code, "GET", URI.create("http://127.0.0.1:5000/v2/a/blobs/x"), "blob x",
                new byte[0]);
    }

    @Test
    void aRegistryRefusalIsJudgedByItsStatusAlsoWhenABlobSourceWrapsIt() {
        assertThat(EstargzLayerSource.declined("l", status(404)).code()).isEqualTo(DeclineReason.NOT_PUBLISHED);
        assertThat(EstargzLayerSource.declined("l", new IOException("wrapped", status(404))).code())
                .isEqualTo(DeclineReason.NOT_PUBLISHED);
        assertThat(EstargzLayerSource.declined("l", new IOException("wrapped", status(503))).code())
                .isEqualTo(DeclineReason.UNAVAILABLE);
        assertThat(EstargzLayerSource.declined("l", new IOException("reset")).code())
                .isEqualTo(DeclineReason.UNAVAILABLE);
    }

    @Test
    void aLayerWithoutFooterIsNotEstargzAndABadTocIsCorrupt() {
        assertThat(EstargzLayerSource.declined("l", new CorruptLayerException(
                CorruptLayerException.Reason.NOT_ESTARGZ, "no footer")).code()).isEqualTo(DeclineReason.NOT_ESTARGZ);
        assertThat(EstargzLayerSource.declined("l", new CorruptLayerException(
                CorruptLayerException.Reason.TOC_DIGEST_MISMATCH, "x")).code()).isEqualTo(DeclineReason.CORRUPT);
    }
}
