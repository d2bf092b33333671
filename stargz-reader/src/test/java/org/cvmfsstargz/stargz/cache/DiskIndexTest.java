package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.stargz.cache.TestChunks.legacyKey;

import org.junit.jupiter.api.Test;

class DiskIndexTest {
    private static final ChunkKey A = legacyKey(0, 4);
    private static final ChunkKey B = legacyKey(10, 4);
    private static final ChunkKey C = legacyKey(20, 4);

    @Test
    void aReservationEvictsSoThatWritesInFlightFitTheBound() {
        DiskIndex index = new DiskIndex(10);
        index.load(A, 4);
        index.load(B, 4);
        assertThat(index.reserve(4)).containsExactly(A);
        assertThat(index.commit(C, 4)).isEmpty();
        assertThat(index.stats(0)).isEqualTo(new TierStats(0, 2, 8, 10, 1));
    }

    @Test
    void committingNeverEvictsTheEntryJustWritten() {
        DiskIndex index = new DiskIndex(4);
        assertThat(index.reserve(4)).isEmpty();
        assertThat(index.reserve(4)).isEmpty();
        assertThat(index.commit(A, 4)).as("the other write is still in flight").isEmpty();
        assertThat(index.commit(B, 4)).containsExactly(A);
        assertThat(index.contains(B)).isTrue();
        assertThat(index.stats(0).bytes()).isEqualTo(4);
    }

    @Test
    void removeForgetsAnEntryOnlyIfNoNewerWriteReplacedIt() {
        DiskIndex index = new DiskIndex(100);
        index.reserve(4);
        index.commit(A, 4);
        DiskIndex.Slot first = index.lookup(A).orElseThrow();
        index.reserve(4);
        index.commit(A, 4);
        DiskIndex.Slot second = index.lookup(A).orElseThrow();

        assertThat(index.remove(A, first)).isFalse();
        assertThat(index.contains(A)).isTrue();
        assertThat(index.remove(A, second)).isTrue();
        assertThat(index.contains(A)).isFalse();
        assertThat(index.stats(0).bytes()).isZero();
    }

    @Test
    void aCancelledReservationFreesItsRoom() {
        DiskIndex index = new DiskIndex(8);
        index.load(A, 4);
        index.reserve(4);
        index.cancel(4);
        assertThat(index.reserve(4)).isEmpty();
        assertThat(index.contains(A)).isTrue();
    }

    @Test
    void touchAndLookupMakeAnEntryTheMostRecentlyUsedButContainsDoesNot() {
        DiskIndex index = new DiskIndex(12);
        index.load(A, 4);
        index.load(B, 4);
        index.load(C, 4);
        index.contains(A);
        index.touch(B);
        assertThat(index.reserve(4)).containsExactly(A);
        index.lookup(C);
        assertThat(index.reserve(4)).containsExactly(B);
    }
}
