package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.cvmfsstargz.stargz.cache.MemoryChunkCache;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.junit.jupiter.api.Test;

/** What a {@link LayerReader} and a {@link TocFetcher} tell their {@link FetchListener}, by purpose. */
class FetchListenerTest {
    private static final Digest LAYER = Digest.sha256(new byte[] {2});
    private static final byte[] BIG = random(70_000);

    /** Everything heard, one line per call. */
    private static final class Heard implements FetchListener {
        final List<String> calls = new CopyOnWriteArrayList<>();
        long fetchedBytes;

        @Override
        public synchronized void fetched(FetchPurpose purpose, int ranges, long bytes, long nanos) {
            assertThat(nanos).isNotNegative();
            fetchedBytes += bytes;
            calls.add("fetched " + purpose + " ranges=" + ranges);
        }

        @Override
        public void fetchFailed(FetchPurpose purpose) {
            calls.add("failed " + purpose);
        }

        @Override
        public void served(long bytes, boolean fromCache) {
            calls.add("served " + bytes + (fromCache ? " from cache" : " after a fetch"));
        }
    }

    private final TestBlob.Built built = TestBlob.layer().file("big", BIG).file("small", "small file\n")
            .chunkSize(16_384).build();
    private final MemoryBlob blob = new MemoryBlob(built.blob());
    private final Heard heard = new Heard();

    private LayerReader reader(Toc toc) {
        return new LayerReader(toc, blob, new MemoryChunkCache(1 << 20),
                new LayerReader.Options(LAYER, true, 16 << 20, 64 << 10, 0, 0, heard));
    }

    @Test
    void theTocIsFetchedAsTocAndItsBytesAreTheBytesTheBlobServed() throws Exception {
        Toc toc = new TocFetcher(new TocReader(TocLimits.defaults())).fetch(blob, Optional.of(built.tocDigest()),
                heard);

        assertThat(toc.lookup("small")).isPresent();
        assertThat(heard.calls).isNotEmpty().allMatch(c -> c.equals("fetched TOC ranges=1"));
        assertThat(heard.fetchedBytes).isEqualTo(blob.bytesServed()).isPositive();
    }

    @Test
    void aTocThatCannotBeReadIsAFailedTocFetch() {
        blob.fail(true);
        assertThatThrownBy(() -> new TocFetcher(new TocReader(TocLimits.defaults())).fetch(blob,
                Optional.of(built.tocDigest()), heard)).isInstanceOf(IOException.class);
        assertThat(heard.calls).containsExactly("failed TOC");
    }

    @Test
    void aReadFetchesOnDemandAndServesWhatItCopied() throws Exception {
        Toc toc = built.read();
        LayerReader reader = reader(toc);
        TocEntry big = toc.lookup("big").orElseThrow();

        assertThat(reader.read(big, 20_000, new byte[1000], 1000)).isEqualTo(1000);
        assertThat(reader.read(big, 20_500, new byte[100], 100)).isEqualTo(100);

        assertThat(heard.calls).containsExactly("fetched ON_DEMAND ranges=1", "served 1000 after a fetch",
                "served 100 from cache");
        assertThat(heard.fetchedBytes).isEqualTo(blob.bytesServed()).isPositive();
    }

    @Test
    void aReadTheBlobFailsIsAFailedOnDemandFetchAndServesNothing() throws Exception {
        Toc toc = built.read();
        blob.fail(true);
        TocEntry small = toc.lookup("small").orElseThrow();

        assertThatThrownBy(() -> reader(toc).read(small, 0, new byte[100], 100)).isInstanceOf(IOException.class);

        assertThat(heard.calls).containsExactly("failed ON_DEMAND");
    }

    @Test
    void fetchingAheadOfReadsIsToldWithItsPurpose() throws Exception {
        Toc toc = built.read();
        LayerReader reader = reader(toc);
        TocEntry big = toc.lookup("big").orElseThrow();
        List<FileChunk> chunks = toc.chunks(big.inode()).stream().map(c -> new FileChunk(big, c)).toList();

        reader.fetch(chunks.subList(0, 2), FetchPurpose.PREFETCH);
        reader.fetch(chunks, FetchPurpose.BACKGROUND);
        reader.fetch(chunks, FetchPurpose.BACKGROUND); // all cached: nothing to fetch, nothing told

        assertThat(heard.calls).containsExactly("fetched PREFETCH ranges=1", "fetched BACKGROUND ranges=1");
        byte[] all = new byte[BIG.length];
        assertThat(reader.read(big, 0, all, all.length)).isEqualTo(BIG.length);
        assertThat(all).isEqualTo(BIG);
        assertThat(heard.calls.getLast()).isEqualTo("served " + BIG.length + " from cache");
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(3).nextBytes(bytes);
        return bytes;
    }
}
