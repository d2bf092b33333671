package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.registry.ByteRange;
import org.junit.jupiter.api.Test;

class FetchPlanTest {
    private static final TocEntry FILE = new TocEntry(2, "f", EntryType.REG, 0644, 0, 0, Optional.empty(),
            Optional.empty(), 1 << 30, Instant.EPOCH, Optional.empty(), 0, 0, 1);

    private static FileChunk chunk(long offset, long compressedEnd, long chunkSize) {
        return new FileChunk(FILE, new Chunk(offset, 0, 0, chunkSize, compressedEnd, Optional.empty()));
    }

    @Test
    void touchingChunksBecomeOneRange() {
        List<FetchPlan.Batch> plan = FetchPlan.of(List.of(chunk(200, 300, 1000), chunk(100, 200, 1000)), 1 << 20, 0);
        assertThat(plan).hasSize(1);
        assertThat(plan.getFirst().range()).isEqualTo(new ByteRange(100, 200));
        assertThat(plan.getFirst().chunks()).extracting(c -> c.chunk().offset()).containsExactly(100L, 200L);
    }

    @Test
    void chunksFurtherApartThanTheGapAreSeparateRanges() {
        List<FetchPlan.Batch> plan = FetchPlan.of(List.of(chunk(0, 100, 1000), chunk(150, 250, 1000),
                chunk(400, 500, 1000)), 1 << 20, 50);
        assertThat(plan).extracting(FetchPlan.Batch::range)
                .containsExactly(new ByteRange(0, 250), new ByteRange(400, 100));
    }

    @Test
    void aRangeNeverGrowsPastTheLimit() {
        List<FetchPlan.Batch> plan = FetchPlan.of(List.of(chunk(0, 100, 1000), chunk(100, 200, 1000),
                chunk(200, 300, 1000)), 200, 0);
        assertThat(plan).extracting(FetchPlan.Batch::range)
                .containsExactly(new ByteRange(0, 200), new ByteRange(200, 100));
    }

    @Test
    void payloadsSharingAMemberAreFetchedOnce() {
        FileChunk first = new FileChunk(FILE, new Chunk(100, 0, 0, 10, 400, Optional.empty()));
        FileChunk second = new FileChunk(FILE, new Chunk(100, 10, 0, 10, 400, Optional.empty()));
        List<FetchPlan.Batch> plan = FetchPlan.of(List.of(second, first), 1 << 20, 0);
        assertThat(plan).hasSize(1);
        assertThat(plan.getFirst().range()).isEqualTo(new ByteRange(100, 300));
        assertThat(plan.getFirst().chunks()).containsExactly(first, second);
    }

    @Test
    void aChunkRangeIsCutToWhatItsDataCanOccupy() {
        // A TOC may put the next member far away; a 10-byte chunk cannot need megabytes of gzip.
        Chunk small = new Chunk(0, 0, 0, 10, 50L << 20, Optional.empty());
        assertThat(FetchPlan.fetchLength(small)).isLessThan(70 << 10);
        Chunk normal = new Chunk(0, 0, 0, 4 << 20, 3 << 20, Optional.empty());
        assertThat(FetchPlan.fetchLength(normal)).isEqualTo(3 << 20);
    }

    @Test
    void aHugeInnerOffsetGivesTheChunksWholeRangeNotAnOverflowedLength() {
        Chunk far = new Chunk(100, Long.MAX_VALUE - 100, 0, 10, 200, Optional.empty());

        assertThat(FetchPlan.fetchLength(far)).isEqualTo(100);
    }

    @Test
    void aChunkWhoseInnerOffsetPlusSizeOverflowsCannotBeMade() {
        assertThatThrownBy(() -> new Chunk(100, Long.MAX_VALUE - 5, 0, 10, 200, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("innerOffset");
    }
}
