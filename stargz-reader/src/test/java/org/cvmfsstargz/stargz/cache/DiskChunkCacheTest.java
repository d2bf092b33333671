package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.cache.TestChunks.LAYER;
import static org.cvmfsstargz.stargz.cache.TestChunks.bytes;
import static org.cvmfsstargz.stargz.cache.TestChunks.contentKey;
import static org.cvmfsstargz.stargz.cache.TestChunks.legacyKey;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.Arrays;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskChunkCacheTest extends ChunkCacheContract {
    @TempDir
    Path tmp;

    @Override
    protected ChunkCache newCache(long maxBytes) throws IOException {
        return DiskChunkCache.open(dir(), maxBytes);
    }

    @Override
    protected long largestEntry(long maxBytes) {
        return maxBytes;
    }

    @Override
    protected TierStats storage(CacheStats stats) {
        return stats.disk();
    }

    private Path dir() {
        return tmp.resolve("cache");
    }

    private Path fileOf(ChunkKey key) {
        return dir().resolve(key.shard()).resolve(key.id());
    }

    private List<Path> files() throws IOException {
        return CacheFiles.entries(dir());
    }

    private long bytesOnDisk() throws IOException {
        return CacheFiles.bytes(dir());
    }

    @Test
    void storesEachEntryAsAnOwnerOnlyFileNamedByItsKeyInADirectoryOfItsHash() throws IOException {
        byte[] chunk = bytes(1, 1000);
        ChunkKey content = contentKey(chunk);
        ChunkKey legacy = legacyKey(4096, 700);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(content, chunk);
            cache.put(legacy, bytes(2, 700));
        }
        String hex = content.contentDigest().orElseThrow().hex();
        assertThat(files()).containsExactlyInAnyOrder(Path.of(hex.substring(0, 2), "sha256-" + hex),
                Path.of(LAYER.hex().substring(0, 2), LAYER.hex() + "-4096-0-700"));
        assertThat(Files.readAllBytes(fileOf(content))).isEqualTo(chunk);
        assertThat(Files.readAllBytes(fileOf(legacy))).isEqualTo(bytes(2, 700));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fileOf(content).getParent())))
                .isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fileOf(content))))
                .isEqualTo("rw-------");
        assertThat(Files.readString(dir().resolve(CacheDirectory.TAG_NAME)))
                .startsWith("Signature: 8a477f597d28d172789f06886806bc55");
    }

    @Test
    void reopeningKeepsTheEntriesAndTheirLeastRecentlyUsedOrder() throws IOException {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            for (int i = 0; i < 4; i++) {
                cache.put(contentKey(bytes(i, QUARTER)), bytes(i, QUARTER));
            }
            assertThat(cache.get(contentKey(bytes(0, QUARTER)))).isPresent();
        }
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            assertThat(cache.stats().disk()).isEqualTo(new TierStats(0, 4, BOUND, BOUND, 0));
            cache.put(contentKey(bytes(4, QUARTER)), bytes(4, QUARTER));

            assertThat(cache.contains(contentKey(bytes(1, QUARTER)))).as("least recently used").isFalse();
            assertThat(fileOf(contentKey(bytes(1, QUARTER)))).doesNotExist();
            for (int i : new int[] {0, 2, 3, 4}) {
                assertThat(cache.get(contentKey(bytes(i, QUARTER))))
                        .hasValueSatisfying(b -> assertThat(b).isEqualTo(bytes(i, QUARTER)));
            }
        }
    }

    @Test
    void aCorruptedEntryIsAMissAndItsFileIsDeleted() throws IOException {
        byte[] chunk = bytes(1, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(chunk), chunk);
            byte[] flipped = chunk.clone();
            flipped[500] ^= 1;
            Files.write(fileOf(contentKey(chunk)), flipped);

            assertThat(cache.get(contentKey(chunk))).isEmpty();
            assertThat(fileOf(contentKey(chunk))).doesNotExist();
            assertThat(cache.contains(contentKey(chunk))).isFalse();
            CacheStats stats = cache.stats();
            assertThat(stats.errors()).isEqualTo(1);
            assertThat(stats.misses()).isEqualTo(1);
            assertThat(stats.disk().bytes()).isZero();

            cache.put(contentKey(chunk), chunk);
            assertThat(cache.get(contentKey(chunk))).hasValueSatisfying(b -> assertThat(b).isEqualTo(chunk));
        }
    }

    @Test
    void anEntryAnEarlierRunLeftIsCheckedWholeAtItsFirstRangedReadAndACorruptOneRefused() throws IOException {
        byte[] good = bytes(1, 1000);
        byte[] bad = bytes(2, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(good), good);
            cache.put(contentKey(bad), bad);
        }
        byte[] flipped = bad.clone();
        flipped[999] ^= 1;
        Files.write(fileOf(contentKey(bad)), flipped);
        byte[] dst = new byte[10];
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            assertThat(cache.read(contentKey(bad), 0, dst, 0, 10)).as("the flipped byte is outside the range").isFalse();
            assertThat(fileOf(contentKey(bad))).doesNotExist();
            assertThat(cache.read(contentKey(good), 990, dst, 0, 10)).isTrue();
            assertThat(dst).isEqualTo(Arrays.copyOfRange(good, 990, 1000));
            assertThat(cache.stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void anEntryThisRunWroteIsReadByRangeWithoutReadingTheRestOfIt() throws IOException {
        byte[] chunk = bytes(1, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(chunk), chunk);
            // Bytes outside the range read are not looked at: a changed byte there goes unnoticed by a ranged read.
            byte[] changed = chunk.clone();
            changed[0] ^= 1;
            Files.write(fileOf(contentKey(chunk)), changed);
            byte[] dst = new byte[100];

            assertThat(cache.read(contentKey(chunk), 900, dst, 0, 100)).isTrue();
            assertThat(dst).isEqualTo(Arrays.copyOfRange(chunk, 900, 1000));
        }
    }

    @Test
    void anEntryCutShortBehindTheCachesBackIsAMissAtARangedReadAndIsDeleted() throws IOException {
        byte[] chunk = bytes(1, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(chunk), chunk);
            Files.write(fileOf(contentKey(chunk)), Arrays.copyOf(chunk, 500));

            assertThat(cache.read(contentKey(chunk), 400, new byte[200], 0, 200)).isFalse();
            assertThat(fileOf(contentKey(chunk))).doesNotExist();
            assertThat(cache.contains(contentKey(chunk))).isFalse();
            assertThat(cache.stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void aCommittedSinkIsAnEntryReadByRangeAndAnUncommittedOneLeavesNothing() throws IOException {
        byte[] chunk = bytes(1, 1000);
        byte[] other = bytes(2, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            try (ChunkSink sink = cache.sink(contentKey(chunk), 1000).orElseThrow()) {
                sink.stream().write(chunk, 0, 600);
                sink.stream().write(chunk, 600, 400);
                sink.commit();
            }
            try (ChunkSink sink = cache.sink(contentKey(other), 1000).orElseThrow()) {
                sink.stream().write(other);
            } // not committed: failed verification, say

            byte[] dst = new byte[10];
            assertThat(cache.read(contentKey(chunk), 990, dst, 0, 10)).isTrue();
            assertThat(dst).isEqualTo(Arrays.copyOfRange(chunk, 990, 1000));
            assertThat(cache.contains(contentKey(other))).isFalse();
            assertThat(cache.stats().disk().bytes()).isEqualTo(1000);
            try (var files = Files.walk(dir())) {
                assertThat(files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                        .as("no temporary file left").noneMatch(name -> name.startsWith(".tmp-"));
            }
        }
    }

    @Test
    void aSinkGivenOtherThanTheAnnouncedLengthIsNotCommitted() throws IOException {
        byte[] chunk = bytes(1, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            ChunkSink sink = cache.sink(contentKey(chunk), 1000).orElseThrow();
            sink.stream().write(chunk, 0, 999);

            assertThatThrownBy(sink::commit).isInstanceOf(IOException.class).hasMessageContaining("999");
            assertThat(cache.contains(contentKey(chunk))).isFalse();
            assertThat(cache.stats().disk().bytes()).isZero();
            assertThat(cache.sink(contentKey(bytes(3, 4096)), BOUND + 1)).as("larger than the bound").isEmpty();
        }
    }

    @Test
    void aTruncatedLegacyEntryIsAMissAndItsFileIsDeleted() throws IOException {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(legacyKey(0, 700), bytes(1, 700));
            Files.write(fileOf(legacyKey(0, 700)), new byte[0]);

            assertThat(cache.get(legacyKey(0, 700))).isEmpty();
            assertThat(fileOf(legacyKey(0, 700))).doesNotExist();
            assertThat(cache.stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void anEntryDeletedBehindTheCachesBackIsAMissAndIsForgotten() throws IOException {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(legacyKey(0, 700), bytes(1, 700));
            Files.delete(fileOf(legacyKey(0, 700)));

            assertThat(cache.get(legacyKey(0, 700))).isEmpty();
            assertThat(cache.contains(legacyKey(0, 700))).isFalse();
            assertThat(cache.stats().disk().bytes()).isZero();
        }
    }

    @Test
    void aSymbolicLinkInPlaceOfAnEntryIsNeverFollowed() throws IOException {
        Path secret = Files.write(tmp.resolve("secret"), bytes(9, 700));
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(legacyKey(0, 700), bytes(1, 700));
            Files.delete(fileOf(legacyKey(0, 700)));
            Files.createSymbolicLink(fileOf(legacyKey(0, 700)), secret);

            assertThat(cache.get(legacyKey(0, 700))).isEmpty();
            assertThat(fileOf(legacyKey(0, 700))).doesNotExist();
        }
        Files.createSymbolicLink(fileOf(legacyKey(0, 700)), secret);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            assertThat(cache.contains(legacyKey(0, 700))).isFalse();
            assertThat(Files.exists(fileOf(legacyKey(0, 700)), LinkOption.NOFOLLOW_LINKS)).isFalse();
        }
        assertThat(secret).hasBinaryContent(bytes(9, 700));
    }

    @Test
    void temporaryLeftoversAndStrayFilesAreDeletedAtOpen() throws IOException {
        byte[] chunk = bytes(1, 1000);
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(chunk), chunk);
        }
        Path shard = fileOf(contentKey(chunk)).getParent();
        Files.write(shard.resolve(".tmp-123456"), bytes(2, 300));
        Files.write(shard.resolve("NOT-A-KEY"), bytes(3, 10));
        Path wrongShard = Files.createDirectories(dir().resolve("zz"));
        Files.write(wrongShard.resolve(contentKey(chunk).id()), chunk);

        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            assertThat(files()).containsExactly(dir().relativize(fileOf(contentKey(chunk))));
            assertThat(cache.stats().disk().entries()).isEqualTo(1);
            assertThat(cache.get(contentKey(chunk))).hasValueSatisfying(b -> assertThat(b).isEqualTo(chunk));
        }
    }

    @Test
    void loweringTheBoundOnReopenEvictsTheLeastRecentlyUsed() throws IOException {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            for (int i = 0; i < 4; i++) {
                cache.put(legacyKey(i * 10_000L, QUARTER), bytes(i, QUARTER));
            }
            cache.get(legacyKey(0, QUARTER));
        }
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND / 2)) {
            assertThat(cache.stats().disk()).isEqualTo(new TierStats(0, 2, BOUND / 2, BOUND / 2, 2));
            assertThat(bytesOnDisk()).isEqualTo(BOUND / 2);
            assertThat(cache.contains(legacyKey(0, QUARTER))).isTrue();
            assertThat(cache.contains(legacyKey(30_000L, QUARTER))).isTrue();
            assertThat(fileOf(legacyKey(10_000L, QUARTER))).doesNotExist();
            assertThat(fileOf(legacyKey(20_000L, QUARTER))).doesNotExist();
        }
    }

    @Test
    void aFileTooLongForAnArrayIsAMissNotAnException() throws IOException {
        ChunkKey key = contentKey(bytes(1, 100));
        DiskChunkCache.open(dir(), BOUND).close();
        Files.createDirectories(fileOf(key).getParent());
        try (RandomAccessFile sparse = new RandomAccessFile(fileOf(key).toFile(), "rw")) {
            sparse.setLength(3L << 30);
        }
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), 8L << 30)) {
            assertThat(cache.contains(key)).isTrue();
            assertThat(cache.get(key)).isEmpty();
            assertThat(fileOf(key)).doesNotExist();
            assertThat(cache.stats().errors()).isEqualTo(1);
        }
    }

    @Test
    void anEntryLargerThanTheBoundLeavesNoFile() throws IOException {
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(contentKey(bytes(1, (int) BOUND + 1)), bytes(1, (int) BOUND + 1));
        }
        assertThat(files()).isEmpty();
    }

    @Test
    void whenTheDirectoryCannotBeWrittenPutDoesNotThrowAndGetMisses() throws IOException {
        // Replaced by a regular file: unwritable even for root, which ignores permission bits.
        try (DiskChunkCache cache = DiskChunkCache.open(dir(), BOUND)) {
            cache.put(legacyKey(0, 700), bytes(1, 700));
            try (Stream<Path> walk = Files.walk(dir())) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            Files.writeString(dir(), "not a directory");

            cache.put(legacyKey(10_000, 700), bytes(2, 700));
            cache.put(legacyKey(20_000, 700), bytes(3, 700));
            assertThat(cache.get(legacyKey(10_000, 700))).isEmpty();
            assertThat(cache.get(legacyKey(0, 700))).isEmpty();
            CacheStats stats = cache.stats();
            assertThat(stats.errors()).as("the two puts at least").isGreaterThanOrEqualTo(2);
            assertThat(stats.disk().entries()).isZero();
            assertThat(stats.disk().bytes()).isZero();
        }
    }

    @Test
    void refusesADirectoryThatHoldsFilesButIsNotACache() throws IOException {
        Path notes = Files.writeString(Files.createDirectories(dir()).resolve("notes.txt"), "keep me");
        assertThatThrownBy(() -> DiskChunkCache.open(dir(), BOUND)).isInstanceOf(IOException.class)
                .hasMessageContaining(dir().toString()).hasMessageContaining("CACHEDIR.TAG");
        assertThat(notes).hasContent("keep me");
    }

    @Test
    void refusesAPathThatIsNotADirectory() throws IOException {
        Files.writeString(dir(), "a file");
        assertThatThrownBy(() -> DiskChunkCache.open(dir(), BOUND)).isInstanceOf(IOException.class)
                .hasMessageContaining("not a directory");
    }

    @Test
    void restrictsAReusedCacheDirectoryToItsOwner() throws IOException {
        DiskChunkCache.open(dir(), BOUND).close();
        Files.setPosixFilePermissions(dir(), PosixFilePermissions.fromString("rwxr-xr-x"));
        DiskChunkCache.open(dir(), BOUND).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir()))).isEqualTo("rwx------");
    }
}
