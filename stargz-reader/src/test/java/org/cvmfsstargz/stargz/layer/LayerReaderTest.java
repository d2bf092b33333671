package org.cvmfsstargz.stargz.layer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.ChunkKey;
import org.cvmfsstargz.stargz.cache.DiskChunkCache;
import org.cvmfsstargz.stargz.cache.MemoryChunkCache;
import org.cvmfsstargz.stargz.cache.TieredChunkCache;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerReaderTest {
    private static final Digest LAYER = Digest.sha256(new byte[] {1});
    private static final byte[] BIG = random(7, 100_000);
    private static final byte[] SMALL = "hello, lazy world\n".getBytes();

    private final TestBlob.Built built = TestBlob.layer().file("big", BIG).file("small", SMALL)
            .file("other", random(8, 5000)).chunkSize(16_384).build();
    private final MemoryBlob blob = new MemoryBlob(built.blob());
    private final ChunkCache cache = new MemoryChunkCache(64 << 20);
    private final Toc toc = read(built);
    private final LayerReader reader = new LayerReader(toc, blob, cache, LayerReader.Options.defaults(LAYER));

    @Test
    void aWholeFileComesInOneRequestAcrossItsChunks() throws IOException {
        TocEntry big = toc.lookup("big").orElseThrow();
        assertThat(toc.chunks(big.inode())).hasSizeGreaterThan(5);
        assertThat(readAll(big, 1 << 20)).isEqualTo(BIG);
        assertThat(blob.requests()).hasSize(1);
        assertThat(blob.requests().getFirst()).hasSize(1);
    }

    @Test
    void aReadFetchesOnlyTheChunksItCovers() throws IOException {
        TocEntry big = toc.lookup("big").orElseThrow();
        LayerReader reader = new LayerReader(toc, blob, cache, new LayerReader.Options(LAYER, true, 16 << 20, 0, 0, 0,
                FetchListener.NONE));
        byte[] dst = new byte[100];
        assertThat(reader.read(big, 40_000, dst, 100)).isEqualTo(100);
        assertThat(dst).isEqualTo(Arrays.copyOfRange(BIG, 40_000, 40_100));
        Chunk chunk = toc.chunkAt(big.inode(), 40_000).orElseThrow();
        assertThat(blob.bytesServed()).isLessThanOrEqualTo(chunk.compressedLength());
    }

    @Test
    void aSmallFilesNeighboursComeAlongInTheSameRequest() throws IOException {
        TocEntry small = toc.lookup("small").orElseThrow();
        TocEntry other = toc.lookup("other").orElseThrow();
        assertThat(readAll(small, 4096)).isEqualTo(SMALL);
        assertThat(blob.requests()).hasSize(1);
        assertThat(readAll(other, 8192)).hasSize(5000);
        assertThat(blob.requests()).as("the neighbour was read ahead").hasSize(1);
    }

    @Test
    void aMissBringsTheSmallFilesOfItsDirectoryBeforeAndAfterItButNotThoseOfOthers() throws IOException {
        TestBlob.Built layer = TestBlob.layer().dir("pkg").file("pkg/one", random(1, 3000))
                .file("pkg/two", random(2, 3000)).dir("docs").file("docs/guide", random(3, 3000)).file("pkg/three",
                        random(4, 3000)).build();
        Toc toc = read(layer);
        MemoryBlob blob = new MemoryBlob(layer.blob());
        LayerReader reader = new LayerReader(toc, blob, new MemoryChunkCache(1 << 20), LayerReader.Options.defaults(
                LAYER));

        assertThat(readAll(reader, toc.lookup("pkg/two").orElseThrow(), 8192)).hasSize(3000);
        assertThat(blob.requests()).hasSize(1);
        assertThat(readAll(reader, toc.lookup("pkg/one").orElseThrow(), 8192)).as("before it").hasSize(3000);
        assertThat(readAll(reader, toc.lookup("pkg/three").orElseThrow(), 8192)).as("after it").hasSize(3000);
        assertThat(blob.requests()).hasSize(1);
        assertThat(readAll(reader, toc.lookup("docs/guide").orElseThrow(), 8192)).hasSize(3000);
        assertThat(blob.requests()).as("another directory's file was left").hasSize(2);
    }

    @Test
    void aNeighbourThatFailsVerificationIsNeitherCachedNorServedAndItsOwnReadFetchesItAgain() throws IOException {
        byte[] two = random(2, 3000);
        TestBlob.Built layer = TestBlob.layer().dir("pkg").file("pkg/one", random(1, 3000)).file("pkg/two", two)
                .build();
        Toc toc = read(layer);
        MemoryBlob blob = new MemoryBlob(layer.blob());
        LayerReader reader = new LayerReader(toc, blob, new MemoryChunkCache(1 << 20), LayerReader.Options.defaults(
                LAYER));
        TocEntry second = toc.lookup("pkg/two").orElseThrow();
        blob.flipByteAt(toc.chunkAt(second.inode(), 0).orElseThrow().offset() + 10);

        assertThat(readAll(reader, toc.lookup("pkg/one").orElseThrow(), 8192)).hasSize(3000);
        assertThat(blob.requests()).as("pkg/two came along").hasSize(1);
        assertThatThrownBy(() -> reader.read(second, 0, new byte[4096], 4096)).as("fetched again, still corrupt")
                .isInstanceOf(IOException.class);
        blob.flipByteAt(-1);
        assertThat(readAll(reader, second, 8192)).isEqualTo(two);
        assertThat(blob.requests()).hasSize(3);
    }

    @Test
    void aScanInTheLayersOrderBringsTheFollowingFilesOfAnyDirectory() throws IOException {
        assertThat(requestsToRead("a/one", "b/one", "c/one"))
                .as("b/one read right after a/one: a scan, c/one came along").isEqualTo(2);
    }

    @Test
    void readsOutOfTheLayersOrderBringOnlyTheirOwnDirectorysFiles() throws IOException {
        assertThat(requestsToRead("a/one", "c/one", "b/one")).isEqualTo(3);
    }

    /** The requests that reading {@code paths} in turn makes, from a layer of three directories of one file. */
    private static int requestsToRead(String... paths) throws IOException {
        TestBlob.Built layer = TestBlob.layer().dir("a").file("a/one", random(5, 3000)).dir("b").file("b/one",
                random(6, 3000)).dir("c").file("c/one", random(7, 3000)).build();
        Toc toc = read(layer);
        MemoryBlob blob = new MemoryBlob(layer.blob());
        LayerReader reader = new LayerReader(toc, blob, new MemoryChunkCache(1 << 20), LayerReader.Options.defaults(
                LAYER));
        for (String path : paths) {
            assertThat(readAll(reader, toc.lookup(path).orElseThrow(), 8192)).hasSize(3000);
        }
        return blob.requests().size();
    }

    @Test
    void withoutReadAheadAMissFetchesOnlyItsOwnFile() throws IOException {
        TocEntry small = toc.lookup("small").orElseThrow();
        TocEntry other = toc.lookup("other").orElseThrow();
        LayerReader reader = new LayerReader(toc, blob, cache, new LayerReader.Options(LAYER, true, 4 << 20, 64 << 10,
                0, 2, FetchListener.NONE));
        assertThat(readAll(reader, small, 4096)).isEqualTo(SMALL);
        assertThat(readAll(reader, other, 8192)).hasSize(5000);
        assertThat(blob.requests()).hasSize(2);
    }

    @Test
    void readsAcrossAChunkBoundaryAndPastTheEnd() throws IOException {
        TocEntry big = toc.lookup("big").orElseThrow();
        byte[] dst = new byte[1000];
        assertThat(reader.read(big, 16_000, dst, 1000)).isEqualTo(1000);
        assertThat(dst).isEqualTo(Arrays.copyOfRange(BIG, 16_000, 17_000));
        assertThat(reader.read(big, BIG.length - 10, dst, 1000)).isEqualTo(10);
        assertThat(Arrays.copyOf(dst, 10)).isEqualTo(Arrays.copyOfRange(BIG, BIG.length - 10, BIG.length));
        assertThat(reader.read(big, BIG.length, dst, 1000)).isZero();
    }

    @Test
    void aSecondReadIsServedFromTheCache() throws IOException {
        TocEntry small = toc.lookup("small").orElseThrow();
        assertThat(readAll(small, 4096)).isEqualTo(SMALL);
        int requests = blob.requests().size();
        assertThat(readAll(small, 4096)).isEqualTo(SMALL);
        assertThat(blob.requests()).hasSize(requests);
    }

    @Test
    void concurrentReadersOfOneChunkShareOneFetch() throws Exception {
        TocEntry big = toc.lookup("big").orElseThrow();
        LayerReader reader = new LayerReader(toc, blob, cache, new LayerReader.Options(LAYER, true, 16 << 20,
                64 << 10, 256 << 10, 0, FetchListener.NONE)); // no fetching ahead of the read at offset 0
        blob.delay(200);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int offset = i * 100;
                reads.add(pool.submit((Callable<byte[]>) () -> {
                    byte[] dst = new byte[100];
                    reader.read(big, offset, dst, 100);
                    return dst;
                }));
            }
            for (int i = 0; i < 8; i++) {
                assertThat(reads.get(i).get()).isEqualTo(Arrays.copyOfRange(BIG, i * 100, i * 100 + 100));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(blob.requests()).hasSize(1);
    }

    @Test
    void aReadFromAChunksFirstBytePastTheFirstFetchesTheFilesNextChunksInTheBackground() throws Exception {
        TocEntry big = toc.lookup("big").orElseThrow();
        List<Chunk> chunks = toc.chunks(big.inode());
        byte[] dst = new byte[100];

        assertThat(reader.read(big, chunks.get(1).chunkOffset(), dst, 100)).isEqualTo(100);

        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!(cached(chunks.get(2)) && cached(chunks.get(3))) && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(cached(chunks.get(2)) && cached(chunks.get(3))).as("the two chunks after the one read").isTrue();
        assertThat(cached(chunks.get(4))).as("the third is left for later").isFalse();
        assertThat(blob.requests()).hasSize(2);
        assertThat(reader.read(big, chunks.get(2).chunkOffset(), dst, 100)).isEqualTo(100);
        assertThat(dst).isEqualTo(Arrays.copyOfRange(BIG, (int) chunks.get(2).chunkOffset(),
                (int) chunks.get(2).chunkOffset() + 100));
    }

    @Test
    void aReadOfAFilesFirstBytesFetchesNothingAheadOfThem() throws Exception {
        TocEntry big = toc.lookup("big").orElseThrow();
        byte[] dst = new byte[100];

        assertThat(reader.read(big, 0, dst, 100)).isEqualTo(100); // as ld.so reads a library it then maps

        Thread.sleep(300); // a fetch ahead would have been asked for by now
        assertThat(cached(toc.chunks(big.inode()).get(1))).isFalse();
        assertThat(blob.requests()).hasSize(1);
    }

    @Test
    void aChunkFetchedAheadThatFailsVerificationIsNotCachedAndItsReadFetchesItAgain() throws Exception {
        TocEntry big = toc.lookup("big").orElseThrow();
        List<Chunk> chunks = toc.chunks(big.inode());
        blob.flipByteAt(chunks.get(2).offset() + 10);
        byte[] dst = new byte[100];

        assertThat(reader.read(big, chunks.get(1).chunkOffset(), dst, 100)).isEqualTo(100);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cached(chunks.get(3)) && System.nanoTime() < deadline) {
            Thread.sleep(10); // chunk 3 comes in the same request as chunk 2 and completes after it
        }
        assertThat(cached(chunks.get(3))).isTrue();
        assertThat(cached(chunks.get(2))).as("the corrupt chunk").isFalse();
        blob.flipByteAt(-1);

        assertThat(reader.read(big, chunks.get(2).chunkOffset(), dst, 100)).isEqualTo(100);
        assertThat(dst).isEqualTo(Arrays.copyOfRange(BIG, (int) chunks.get(2).chunkOffset(),
                (int) chunks.get(2).chunkOffset() + 100));
        assertThat(blob.requests().get(2).getFirst().offset()).as("fetched again").isEqualTo(chunks.get(2).offset());
    }

    @Test
    void aReadFromTheMiddleOfAChunkFetchesNothingAhead() throws Exception {
        TocEntry big = toc.lookup("big").orElseThrow();
        byte[] dst = new byte[100];

        assertThat(reader.read(big, 20_000, dst, 100)).isEqualTo(100);
        Thread.sleep(300); // time enough for a background fetch to have been asked for

        assertThat(blob.requests()).hasSize(1);
        assertThat(cached(toc.chunkAt(big.inode(), 40_000).orElseThrow())).isFalse();
    }

    @Test
    void aChunkThatFailsVerificationIsNeitherServedNorCached() throws IOException {
        TocEntry small = toc.lookup("small").orElseThrow();
        Chunk chunk = toc.chunks(small.inode()).getFirst();
        blob.flipByteAt(chunk.offset() + 20);
        byte[] dst = new byte[4096];
        assertThatThrownBy(() -> reader.read(small, 0, dst, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("small");
        assertThat(dst).containsOnly(0);
        blob.flipByteAt(-1);
        int requests = blob.requests().size();
        assertThat(readAll(small, 4096)).isEqualTo(SMALL);
        assertThat(blob.requests()).hasSize(requests + 1);
    }

    @Test
    void withADiskCacheChunksGoStraightToDiskAndReadsCopyTheirRangeFromThere(@TempDir Path dir) throws IOException {
        MemoryChunkCache memory = new MemoryChunkCache(64 << 20);
        try (TieredChunkCache tiered = new TieredChunkCache(memory, DiskChunkCache.open(dir, 64 << 20))) {
            LayerReader onDisk = new LayerReader(toc, blob, tiered, LayerReader.Options.defaults(LAYER));
            TocEntry big = toc.lookup("big").orElseThrow();

            assertThat(readAll(onDisk, big, 1 << 20)).isEqualTo(BIG);

            for (Chunk chunk : toc.chunks(big.inode())) {
                assertThat(tiered.contains(ChunkKey.of(LAYER, chunk))).isTrue();
                assertThat(memory.contains(ChunkKey.of(LAYER, chunk))).as("no copy in the heap").isFalse();
            }
            assertThat(blob.requests()).hasSize(1);
        }
    }

    @Test
    void aChunkStreamedToDiskThatFailsVerificationLeavesNoEntryAndIsNotServed(@TempDir Path dir) throws IOException {
        try (DiskChunkCache disk = DiskChunkCache.open(dir, 64 << 20)) {
            LayerReader onDisk = new LayerReader(toc, blob, disk, new LayerReader.Options(LAYER, true, 16 << 20, 0, 0, 0,
                    FetchListener.NONE));
            TocEntry big = toc.lookup("big").orElseThrow();
            Chunk chunk = toc.chunks(big.inode()).get(2);
            blob.flipByteAt(chunk.compressedEnd() - 40);
            byte[] dst = new byte[100];

            assertThatThrownBy(() -> onDisk.read(big, chunk.chunkOffset(), dst, 100)).isInstanceOf(IOException.class);
            assertThat(dst).containsOnly(0);
            assertThat(disk.contains(ChunkKey.of(LAYER, chunk))).isFalse();
            assertThat(disk.stats().disk().bytes()).as("no room still reserved for it").isZero();
        }
    }

    @Test
    void aChunkThatLeftTheCacheBeforeItsReadCopiedItIsFetchedAgainForThatRead() throws IOException {
        ChunkCache forgetful = new ForgetfulCache(cache);
        LayerReader reader = new LayerReader(toc, blob, forgetful, LayerReader.Options.defaults(LAYER));
        TocEntry small = toc.lookup("small").orElseThrow();

        assertThat(readAll(reader, small, 4096)).isEqualTo(SMALL);
        assertThat(blob.requests()).as("the fetch, then the read's own").hasSize(2);
    }

    /** Stores through a sink like the disk, then loses every entry before anyone reads it. */
    private static final class ForgetfulCache implements ChunkCache {
        private final ChunkCache inner;

        ForgetfulCache(ChunkCache inner) {
            this.inner = inner;
        }

        @Override
        public java.util.Optional<org.cvmfsstargz.stargz.cache.ChunkSink> sink(ChunkKey key, long size) {
            return java.util.Optional.of(new org.cvmfsstargz.stargz.cache.ChunkSink() {
                @Override
                public java.io.OutputStream stream() {
                    return java.io.OutputStream.nullOutputStream();
                }

                @Override
                public void commit() {
                }

                @Override
                public void close() {
                }
            });
        }

        @Override
        public java.util.Optional<byte[]> get(ChunkKey key) {
            return java.util.Optional.empty();
        }

        @Override
        public boolean contains(ChunkKey key) {
            return false;
        }

        @Override
        public void put(ChunkKey key, byte[] verifiedBytes) {
        }

        @Override
        public org.cvmfsstargz.stargz.cache.CacheStats stats() {
            return inner.stats();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aFailingBlobIsAnIoErrorAndTheNextReadTriesAgain() throws IOException {
        TocEntry small = toc.lookup("small").orElseThrow();
        blob.fail(true);
        assertThatThrownBy(() -> readAll(small, 4096)).isInstanceOf(IOException.class)
                .hasMessageContaining("connection reset");
        blob.fail(false);
        assertThat(readAll(small, 4096)).isEqualTo(SMALL);
    }

    @Test
    void fetchCachesWhatIsMissingOnly() throws IOException {
        TocEntry big = toc.lookup("big").orElseThrow();
        List<FileChunk> chunks = toc.chunks(big.inode()).stream().map(c -> new FileChunk(big, c)).toList();
        assertThat(reader.fetch(chunks, FetchPurpose.BACKGROUND)).isEqualTo(chunks.size());
        int requests = blob.requests().size();
        assertThat(reader.fetch(chunks, FetchPurpose.BACKGROUND)).isZero();
        assertThat(readAll(big, 1 << 20)).isEqualTo(BIG);
        assertThat(blob.requests()).hasSize(requests);
    }

    @Test
    void payloadsSharingAGzipMemberAreReadByTheirInnerOffset() throws IOException {
        TestBlob.Built grouped = TestBlob.layer().file("a", "first file").file("b", "second file")
                .file("c", random(9, 3000)).minChunkSize(100_000).build();
        Toc groupedToc = read(grouped);
        LayerReader groupedReader = new LayerReader(groupedToc, new MemoryBlob(grouped.blob()),
                new MemoryChunkCache(1 << 20), LayerReader.Options.defaults(LAYER));
        TocEntry b = groupedToc.lookup("b").orElseThrow();
        byte[] dst = new byte[100];
        int n = groupedReader.read(b, 0, dst, 100);
        assertThat(new String(dst, 0, n)).isEqualTo("second file");
    }

    @Test
    void aChunkWithoutDigestIsRefusedWhenVerificationIsRequired() throws IOException {
        TestBlob.Built legacy = TestBlob.layer().file("a", "no digest here")
                .editEntries(entries -> entries.forEach(e -> {
                    e.remove("chunkDigest");
                    e.remove("digest");
                })).build();
        Toc legacyToc = read(legacy);
        LayerReader strict = new LayerReader(legacyToc, new MemoryBlob(legacy.blob()), new MemoryChunkCache(1 << 20),
                LayerReader.Options.defaults(LAYER));
        TocEntry a = legacyToc.lookup("a").orElseThrow();
        assertThatThrownBy(() -> strict.read(a, 0, new byte[100], 100)).isInstanceOf(IOException.class)
                .hasMessageContaining("chunkDigest");
        LayerReader lenient = new LayerReader(legacyToc, new MemoryBlob(legacy.blob()), new MemoryChunkCache(1 << 20),
                new LayerReader.Options(LAYER, false, 1 << 20, 0, 0, 0, FetchListener.NONE));
        assertThat(readAll(lenient, a, 100)).isEqualTo("no digest here".getBytes());
    }

    private boolean cached(Chunk chunk) {
        return cache.contains(ChunkKey.of(LAYER, chunk));
    }

    private byte[] readAll(TocEntry file, int buffer) throws IOException {
        return readAll(reader, file, buffer);
    }

    private static byte[] readAll(LayerReader reader, TocEntry file, int buffer) throws IOException {
        byte[] out = new byte[(int) file.size()];
        byte[] dst = new byte[buffer];
        int at = 0;
        for (int n; (n = reader.read(file, at, dst, buffer)) > 0; at += n) {
            System.arraycopy(dst, 0, out, at, n);
        }
        return Arrays.copyOf(out, at);
    }

    private static Toc read(TestBlob.Built built) {
        try {
            return built.read();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] random(long seed, int size) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
