package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.registry.ByteRange;
import org.junit.jupiter.api.Test;

/** {@link TocFetcher}: what it reads of a blob for a TOC that fits the tail and for one that does not. */
class TocFetcherTest {
    /** Its TOC section is larger than the tail. */
    private static final TestBlob.Built LARGE = TestLayers.of(3000);

    private final TocFetcher fetcher = new TocFetcher(new TocReader(TocLimits.defaults()));

    private static OpenedBlob openedAtTail(MemoryBlob blob, byte[] bytes) {
        return new OpenedBlob(blob, Arrays.copyOfRange(bytes, Math.max(0, bytes.length - TocFetcher.TAIL_BYTES),
                bytes.length));
    }

    @Test
    void aTocInsideTheTailNeedsNoReadBeyondIt() throws Exception {
        TestBlob.Built built = TestLayers.of(20);
        MemoryBlob blob = new MemoryBlob(built.blob());

        TocBytes bytes = fetcher.fetchBytes(openedAtTail(blob, built.blob()), FetchListener.NONE);
        Toc toc = fetcher.parse(bytes, Optional.of(built.tocDigest()));

        assertThat(blob.requests()).isEmpty();
        assertThat(bytes.section()).isEqualTo(built.tocSection());
        assertThat(toc.lookup("usr/share/doc/pkg0/file-7.txt")).isPresent();
    }

    @Test
    void aTocLargerThanTheTailIsCompletedWithOnlyTheBytesBeforeTheTail() throws Exception {
        TestBlob.Built built = LARGE;
        long tailStart = built.blob().length - TocFetcher.TAIL_BYTES;
        assertThat(built.tocOffset()).as("the TOC starts before the tail").isLessThan(tailStart);
        MemoryBlob blob = new MemoryBlob(built.blob());

        TocBytes bytes = fetcher.fetchBytes(openedAtTail(blob, built.blob()), FetchListener.NONE);

        assertThat(blob.requests()).containsExactly(List.of(new ByteRange(built.tocOffset(),
                (int) (tailStart - built.tocOffset()))));
        assertThat(bytes.section()).isEqualTo(built.tocSection());
        assertThat(fetcher.parse(bytes, Optional.of(built.tocDigest())).lookup("usr/share/doc/pkg59/file-2999.txt"))
                .isPresent();
    }

    @Test
    void aBlobSourceWithoutATailIsReadFromItsEndFirst() throws Exception {
        TestBlob.Built built = LARGE;
        MemoryBlob blob = new MemoryBlob(built.blob());
        long tailStart = built.blob().length - TocFetcher.TAIL_BYTES;

        Toc toc = fetcher.fetch(blob, Optional.of(built.tocDigest()));

        assertThat(blob.requests()).containsExactly(List.of(new ByteRange(tailStart, TocFetcher.TAIL_BYTES)),
                List.of(new ByteRange(built.tocOffset(), (int) (tailStart - built.tocOffset()))));
        assertThat(toc.digest()).isEqualTo(built.tocDigest());
    }

    @Test
    void anUnverifiedParseKeepsTheDigestForTheCallerToCompare() throws Exception {
        TestBlob.Built built = TestLayers.of(20);
        MemoryBlob blob = new MemoryBlob(built.blob());

        Toc toc = fetcher.parse(fetcher.fetchBytes(openedAtTail(blob, built.blob()), FetchListener.NONE),
                Optional.empty());

        assertThat(toc.digest()).isEqualTo(built.tocDigest());
    }

    @Test
    void anEmptyBlobIsNotEstargz() {
        MemoryBlob blob = new MemoryBlob(new byte[0]);

        assertThatThrownBy(() -> fetcher.fetchBytes(new OpenedBlob(blob, new byte[0]), FetchListener.NONE))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(CorruptLayerException.Reason.NOT_ESTARGZ));
    }
}
