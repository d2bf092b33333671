package org.cvmfsstargz.snapshotter.source.estargz;

import static org.assertj.core.api.Assertions.assertThat;

import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.Toc;
import org.junit.jupiter.api.Test;

class SyntheticTocTest {
    @Test
    void theEmptyLayerHoldsOnlyItsRoot() throws Exception {
        Toc toc = SyntheticToc.empty();

        assertThat(toc.nameCount()).isEqualTo(1);
        assertThat(toc.children(Toc.ROOT_INODE)).isEmpty();
        assertThat(toc.chunkCount()).isZero();
    }

    @Test
    void theSampleHasTheRequestedEntriesOfEveryKindTheParserHandles() throws Exception {
        Toc toc = SyntheticToc.sample(100);

        // 100 entries: 4 directories (plus usr, usr/lib and the root), 4 symlinks, 92 files, 2 of them of 3 chunks.
        assertThat(toc.nameCount()).isEqualTo(100 + 3);
        assertThat(toc.chunkCount()).isEqualTo(92 + 2 * 2);
        assertThat(toc.lookup("usr/lib/pkg0/file24.py").orElseThrow().type()).isEqualTo(EntryType.SYMLINK);
        assertThat(toc.lookup("usr/lib/pkg0/file1.py").orElseThrow().size()).isEqualTo(3 * (4096 + 1));
    }
}
