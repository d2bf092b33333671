package org.cvmfsstargz.snapshotter.diagnose;

import static org.assertj.core.api.Assertions.assertThat;

import org.cvmfsstargz.stargz.format.Toc;
import org.junit.jupiter.api.Test;

class FuseProbeTest {
    @Test
    void theProbeLayerHoldsOnlyItsRoot() throws Exception {
        Toc toc = FuseProbe.emptyToc();

        assertThat(toc.nameCount()).isEqualTo(1);
        assertThat(toc.children(Toc.ROOT_INODE)).isEmpty();
        assertThat(toc.chunkCount()).isZero();
    }
}
