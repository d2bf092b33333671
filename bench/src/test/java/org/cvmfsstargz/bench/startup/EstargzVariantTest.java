package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EstargzVariantTest {
    @Test
    void roundsAlternateWhichVariantGoesFirst() {
        assertThat(EstargzVariant.order(1)).containsExactly(EstargzVariant.LAZY, EstargzVariant.NORMAL);
        assertThat(EstargzVariant.order(2)).containsExactly(EstargzVariant.NORMAL, EstargzVariant.LAZY);
    }

    @Test
    void onlyTheLazyDaemonMountsEstargzAndNeitherAsksCvmfsNorFetchesInTheBackground() {
        assertThat(EstargzVariant.LAZY.daemonConfig()).contains("[estargz]\nenabled = true")
                .contains("background_fetch = false").contains("[cvmfs]\nenabled = false");
        assertThat(EstargzVariant.NORMAL.daemonConfig()).contains("[estargz]\nenabled = false");
    }

    @Test
    void theLazyPullIsCtrRemoteRpullAndTheNormalOneCtrImagesPull() {
        assertThat(EstargzVariant.LAZY.pull("img")).startsWith("ctr-remote", "image", "rpull").endsWith("img");
        assertThat(EstargzVariant.NORMAL.pull("img")).startsWith("ctr", "images", "pull").endsWith("img");
    }
}
