package org.cvmfsstargz.stargz.format;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Fuzz tests of the footer and TOC parser: whatever the bytes, the only failure allowed is a
 * {@link CorruptLayerException}, and an index that is built answers every query without throwing
 * and with chunks inside the blob. Any other exception or a broken invariant is a finding.
 *
 * <p>In a normal build (no {@code JAZZER_FUZZ}), Jazzer runs each test on the empty input and on
 * the seed corpus in {@code src/test/resources/.../TocFuzzTestInputs/<method>/}, as regression
 * tests. {@link TocFuzzSeeds} regenerates the seeds; stargz-reader's README.md has the command
 * for a bounded fuzzing run.
 */
class TocFuzzTest {
    /** Small limits keep each fuzz execution fast; the checks are the same at any size. */
    static final TocLimits LIMITS = new TocLimits(1 << 20, 20_000, 4096, 1 << 20, 1L << 40, 1 << 16);
    /** The data region the TOC of {@link #anyTocJson} may point into. */
    private static final long DATA_END = 8192;

    /** Arbitrary bytes as a whole blob: footer, TOC section, TOC, index. */
    @FuzzTest(maxDuration = "60s")
    void anyBlob(byte[] blob) {
        try {
            Footer footer = Footer.parse(Arrays.copyOfRange(blob, Math.max(0, blob.length - Footer.MAX_SIZE),
                    blob.length), blob.length);
            byte[] section = Arrays.copyOfRange(blob, (int) footer.tocOffset(), blob.length - footer.size());
            exercise(new TocReader(LIMITS).read(section, footer, blob.length, Optional.empty()), footer.tocOffset());
        } catch (CorruptLayerException expected) {
            // the one allowed outcome for a bad blob
        }
    }

    /** Arbitrary bytes as the TOC JSON of an otherwise well-formed blob, so the fuzzer reaches the JSON parser. */
    @FuzzTest(maxDuration = "60s")
    void anyTocJson(byte[] json) {
        try {
            byte[] section = TarGzWriter.tocSection(json);
            long tocOffset = DATA_END;
            Footer footer = new Footer(Footer.Format.ESTARGZ, tocOffset);
            Toc toc = new TocReader(LIMITS).read(section, footer, tocOffset + section.length + footer.size(),
                    Optional.of(Digest.sha256(json)));
            exercise(toc, tocOffset);
        } catch (CorruptLayerException expected) {
            // the one allowed outcome for a bad TOC
        }
    }

    @Test
    void theSeedsThatShouldParseDoSoTheCorpusReachesTheIndex() throws Exception {
        for (String seed : List.of("layer", "chunked-prefetch", "inner-offset", "legacy")) {
            byte[] blob = seed("anyBlob/" + seed);
            Footer footer = Footer.parse(Arrays.copyOfRange(blob, blob.length - Footer.MAX_SIZE, blob.length),
                    blob.length);
            byte[] section = Arrays.copyOfRange(blob, (int) footer.tocOffset(), blob.length - footer.size());
            exercise(new TocReader(LIMITS).read(section, footer, blob.length, Optional.empty()), footer.tocOffset());
        }
        for (String seed : List.of("traps", "inner-offset")) {
            byte[] section = TarGzWriter.tocSection(seed("anyTocJson/" + seed));
            Footer footer = new Footer(Footer.Format.ESTARGZ, DATA_END);
            exercise(new TocReader(LIMITS).read(section, footer, DATA_END + section.length + 51, Optional.empty()),
                    DATA_END);
        }
    }

    private static byte[] seed(String name) throws IOException {
        try (var in = TocFuzzTest.class.getResourceAsStream("TocFuzzTestInputs/" + name)) {
            return in.readAllBytes();
        }
    }

    /** Walks the whole tree through every query, checking what a FUSE layer relies on. */
    static void exercise(Toc toc, long tocOffset) {
        Deque<TocEntry> pending = new ArrayDeque<>(List.of(toc.root()));
        int seen = 0;
        while (!pending.isEmpty()) {
            TocEntry entry = pending.pop();
            if (++seen > toc.nameCount()) {
                throw new AssertionError("the tree has more names than the index: a loop");
            }
            check(toc.entry(entry.inode()).equals(Optional.of(entry)), "entry(inode) disagrees", entry);
            check(toc.lookup(entry.path()).equals(Optional.of(entry)), "lookup(path) disagrees", entry);
            toc.xattrs(entry.inode());
            checkChunks(toc, entry, tocOffset);
            for (DirectoryEntry child : toc.children(entry.inode())) {
                TocEntry target = toc.lookup(entry.inode(), child.name()).orElseThrow(
                        () -> new AssertionError("readdir name not found by lookup: " + child));
                check(target.inode() == child.inode() && target.type() == child.type(), "readdir disagrees", target);
                if (target.path().equals(entry.path().isEmpty() ? child.name() : entry.path() + "/" + child.name())) {
                    pending.push(target); // hard links are visited at their target's own name
                }
            }
        }
    }

    private static void checkChunks(Toc toc, TocEntry entry, long tocOffset) {
        long covered = 0;
        for (Chunk chunk : toc.chunks(entry.inode())) {
            check(chunk.chunkOffset() == covered, "chunks do not tile the file", entry);
            check(chunk.compressedEnd() <= tocOffset, "chunk range runs into the TOC", entry);
            check(toc.chunkAt(entry.inode(), chunk.chunkOffset()).equals(Optional.of(chunk)), "chunkAt disagrees",
                    entry);
            covered = chunk.chunkEnd();
        }
        check(covered == (entry.type() == EntryType.REG ? entry.size() : 0), "chunks do not cover the file", entry);
    }

    private static void check(boolean condition, String what, TocEntry entry) {
        if (!condition) {
            throw new AssertionError(what + ": " + entry);
        }
    }
}
