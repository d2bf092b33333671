package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskTocStoreTest {
    private static final Digest LAYER = Digest.sha256(new byte[] {1});
    private static final Digest OTHER = Digest.sha256(new byte[] {2});

    @TempDir
    Path tmp;

    private Path cacheDir() {
        return tmp.resolve("cache");
    }

    private static DiskTocStore.StoredToc toc(String content) throws CorruptLayerException {
        TestBlob.Built built = TestBlob.layer().file("a", content).build();
        return new DiskTocStore.StoredToc(built.blob().length, built.footer(), built.tocDigest(), built.tocSection());
    }

    private List<String> filesInStore() throws IOException {
        try (Stream<Path> files = Files.list(cacheDir().resolve(DiskTocStore.DIRECTORY))) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aKeptTocReadsBackAsItWasWrittenFromAnOwnerOnlyFileNamedByTheLayerDigest() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        DiskTocStore.StoredToc kept = toc("hello\n");

        store.put(LAYER, kept);

        DiskTocStore.StoredToc read = DiskTocStore.open(cacheDir()).get(LAYER).orElseThrow();
        assertThat(read.blobSize()).isEqualTo(kept.blobSize());
        assertThat(read.footer()).isEqualTo(kept.footer());
        assertThat(read.tocDigest()).isEqualTo(kept.tocDigest());
        assertThat(read.section()).isEqualTo(kept.section());
        assertThat(filesInStore()).containsExactly(LAYER.hex());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.pathOf(LAYER))))
                .isEqualTo("rw-------");
        assertThat(store.contains(LAYER)).isTrue();
        assertThat(store.get(OTHER)).isEmpty();
    }

    @Test
    void aSecondWriteReplacesTheEntryWholeAndLeavesNoTemporaryFile() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        store.put(LAYER, toc("first\n"));
        DiskTocStore.StoredToc second = toc("second, longer than the first\n");

        store.put(LAYER, second);

        assertThat(store.get(LAYER).orElseThrow().section()).isEqualTo(second.section());
        assertThat(filesInStore()).containsExactly(LAYER.hex());
    }

    @Test
    void temporaryFilesACrashLeftAreDeletedAtOpenAndTheEntryBeforeThemStillReads() throws Exception {
        DiskTocStore.open(cacheDir()).put(LAYER, toc("kept\n"));
        Path partial = cacheDir().resolve(DiskTocStore.DIRECTORY).resolve(CacheDirectory.TEMP_PREFIX + "123abc");
        Files.write(partial, new byte[] {1, 2, 3}); // a write cut short before its rename

        DiskTocStore store = DiskTocStore.open(cacheDir());

        assertThat(filesInStore()).containsExactly(LAYER.hex());
        assertThat(store.get(LAYER)).isPresent();
        assertThat(store.layers()).containsExactly(LAYER);
    }

    @Test
    void anEntryWithAFlippedByteReadsAsAbsentAndIsDeleted() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        store.put(LAYER, toc("hello\n"));
        try (RandomAccessFile file = new RandomAccessFile(store.pathOf(LAYER).toFile(), "rw")) {
            file.seek(file.length() / 2);
            int b = file.read();
            file.seek(file.length() / 2);
            file.write(b ^ 0x01);
        }

        assertThat(store.get(LAYER)).isEmpty();
        assertThat(Files.exists(store.pathOf(LAYER))).isFalse();
    }

    @Test
    void anEntryCutShortOrEmptyReadsAsAbsentAndIsDeleted() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        store.put(LAYER, toc("hello\n"));
        store.put(OTHER, toc("other\n"));
        byte[] whole = Files.readAllBytes(store.pathOf(LAYER));
        Files.write(store.pathOf(LAYER), java.util.Arrays.copyOf(whole, whole.length - 10));
        Files.write(store.pathOf(OTHER), new byte[0]); // what a power loss leaves of an unsynced write

        assertThat(store.get(LAYER)).isEmpty();
        assertThat(store.get(OTHER)).isEmpty();
        assertThat(filesInStore()).isEmpty();
    }

    @Test
    void theStoreSharesTheChunkCachesDirectoryAndTheChunkCacheKeepsItsEntries() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        store.put(LAYER, toc("hello\n"));

        try (DiskChunkCache cache = DiskChunkCache.open(cacheDir(), 1 << 20)) {
            assertThat(cache.stats().disk().entries()).isZero();
        }

        assertThat(DiskTocStore.open(cacheDir()).get(LAYER)).isPresent();
        assertThat(Files.exists(cacheDir().resolve(CacheDirectory.TAG_NAME))).isTrue();
    }

    @Test
    void deletingAnEntryLeavesTheOthers() throws Exception {
        DiskTocStore store = DiskTocStore.open(cacheDir());
        store.put(LAYER, toc("hello\n"));
        store.put(OTHER, toc("other\n"));

        store.delete(LAYER);
        store.delete(LAYER);

        assertThat(store.layers()).containsExactly(OTHER);
        assertThat(store.get(LAYER)).isEqualTo(Optional.empty());
    }
}
