package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    void twoTocLoadsLargerThanHalfTheBudgetRunOneAfterTheOther() throws Exception {
        TestBlob.Built built = LARGE;
        long section = built.tocSection().length;
        TocMemory memory = new TocMemory(section * 3 / 2, Duration.ofMinutes(1));
        TocFetcher bounded = new TocFetcher(new TocReader(TocLimits.defaults()), memory);
        MemoryBlob blob = new MemoryBlob(built.blob());

        TocBytes first = bounded.fetchBytes(openedAtTail(blob, built.blob()), FetchListener.NONE);
        CompletableFuture<TocBytes> second = CompletableFuture.supplyAsync(() -> {
            try {
                return bounded.fetchBytes(openedAtTail(blob, built.blob()), FetchListener.NONE);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).as("the second load waits while the first holds its section").isNotDone();

        first.close();
        try (TocBytes bytes = second.get(10, TimeUnit.SECONDS)) {
            assertThat(bytes.section()).isEqualTo(built.tocSection());
        }
        assertThat(bounded.fetch(blob, Optional.of(built.tocDigest())).lookup("usr/share/doc/pkg59/file-2999.txt"))
                .isPresent();
        assertThat(memory.availableBytes()).as("a fetch gives its room back once parsed")
                .isGreaterThanOrEqualTo(section);
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
