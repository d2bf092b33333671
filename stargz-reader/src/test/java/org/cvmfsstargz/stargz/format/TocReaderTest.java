package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.junit.jupiter.api.Test;

class TocReaderTest {
    private static final byte[] BIG = random(10_000, 7);

    private static TestBlob sampleLayer() {
        return TestBlob.layer()
                .dir("etc/")
                .file("etc/hostname", "box\n")
                .file("etc/empty", "")
                .symlink("etc/localtime", "/usr/share/zoneinfo/UTC")
                .dir("usr/")
                .dir("usr/bin/")
                .file("usr/bin/tool", BIG)
                .hardlink("usr/bin/tool-alias", "usr/bin/tool")
                .fifo("run/fifo")
                .device("char", "dev/null", 1, 3)
                .device("block", "dev/sda", 8, 0)
                .landmark(Prefetch.NO_PREFETCH_LANDMARK);
    }

    @Test
    void aLayerReadsIntoAnIndexOfItsPathsAttributesAndContent() throws Exception {
        TestBlob.Built built = sampleLayer().chunkSize(4096).build();
        Toc toc = built.read();

        TocEntry tool = toc.lookup("usr/bin/tool").orElseThrow();
        assertThat(tool.type()).isEqualTo(EntryType.REG);
        assertThat(tool.size()).isEqualTo(BIG.length);
        assertThat(tool.mode()).isEqualTo(0644);
        assertThat(tool.modTime()).isEqualTo(Instant.parse(TestBlob.MODTIME));
        assertThat(tool.linkCount()).isEqualTo(2);
        assertThat(toc.chunks(tool.inode())).extracting(Chunk::chunkOffset).containsExactly(0L, 4096L, 8192L);
        assertThat(built.content(toc, tool)).isEqualTo(BIG);
        assertThat(built.content(toc, toc.lookup("etc/hostname").orElseThrow())).asString().isEqualTo("box\n");
        assertThat(toc.chunks(toc.lookup("etc/empty").orElseThrow().inode())).isEmpty();

        assertThat(toc.lookup("etc/localtime").orElseThrow().linkTarget()).contains("/usr/share/zoneinfo/UTC");
        assertThat(toc.lookup("dev/null").orElseThrow()).extracting(TocEntry::type, TocEntry::devMajor,
                TocEntry::devMinor).containsExactly(EntryType.CHAR, 1, 3);
        assertThat(toc.lookup("dev/sda").orElseThrow().type()).isEqualTo(EntryType.BLOCK);
        assertThat(toc.lookup("run/fifo").orElseThrow().type()).isEqualTo(EntryType.FIFO);
        assertThat(toc.digest()).isEqualTo(built.tocDigest());
        assertThat(toc.prefetch()).isEqualTo(new Prefetch.Nothing());
    }

    @Test
    void aHardLinkSharesItsTargetsInodeButKeepsItsOwnNameInReaddir() throws Exception {
        Toc toc = sampleLayer().build().read();

        TocEntry tool = toc.lookup("usr/bin/tool").orElseThrow();
        assertThat(toc.lookup("usr/bin/tool-alias")).contains(tool);
        TocEntry bin = toc.lookup("usr/bin").orElseThrow();
        assertThat(toc.lookup(bin.inode(), "tool-alias")).contains(tool);
        assertThat(toc.children(bin.inode())).containsExactly(
                new DirectoryEntry("tool", tool.inode(), EntryType.REG),
                new DirectoryEntry("tool-alias", tool.inode(), EntryType.REG));
    }

    @Test
    void directoriesImpliedByPathsExistWithMode0755AndLinkCountsCountSubdirectories() throws Exception {
        Toc toc = sampleLayer().build().read();

        TocEntry run = toc.lookup("run").orElseThrow();
        assertThat(run.type()).isEqualTo(EntryType.DIR);
        assertThat(run.mode()).isEqualTo(0755);
        assertThat(run.modTime()).isEqualTo(Instant.EPOCH);
        assertThat(toc.root().linkCount()).isEqualTo(2 + 4); // etc, usr, run, dev
        assertThat(toc.children(Toc.ROOT_INODE)).extracting(DirectoryEntry::name)
                .containsExactly("etc", "usr", "run", "dev", Prefetch.NO_PREFETCH_LANDMARK);
    }

    @Test
    void inodeNumbersAreStableAcrossReadsAndLookupsAgree() throws Exception {
        TestBlob.Built built = sampleLayer().build();
        Toc first = built.read();
        Toc second = built.read();

        for (String path : new String[] {"", "etc", "etc/hostname", "usr/bin/tool", "dev/sda", "run/fifo"}) {
            TocEntry entry = first.lookup(path).orElseThrow();
            assertThat(second.lookup(path)).contains(entry);
            assertThat(first.entry(entry.inode())).contains(entry);
        }
        assertThat(first.root().inode()).isEqualTo(Toc.ROOT_INODE);
        assertThat(first.entry(0)).isEmpty();
        assertThat(first.entry(first.nameCount() + 1L)).isEmpty();
    }

    @Test
    void lookupsNormaliseLikeTocNamesAndNeverEscape() throws Exception {
        Toc toc = sampleLayer().build().read();
        TocEntry hostname = toc.lookup("etc/hostname").orElseThrow();

        assertThat(toc.lookup("./etc/hostname")).contains(hostname);
        assertThat(toc.lookup("/etc//hostname")).contains(hostname);
        assertThat(toc.lookup("etc/../etc/hostname")).isEmpty();
        assertThat(toc.lookup("etc/hostname/x")).isEmpty();
        assertThat(toc.lookup("etc/localtime/x")).isEmpty();
        assertThat(toc.lookup("nope")).isEmpty();
        assertThat(toc.lookup(hostname.inode(), "x")).isEmpty();
    }

    @Test
    void chunkAtFindsTheChunkHoldingAFileOffset() throws Exception {
        Toc toc = sampleLayer().chunkSize(4096).build().read();
        long tool = toc.lookup("usr/bin/tool").orElseThrow().inode();

        assertThat(toc.chunkAt(tool, 0).orElseThrow().chunkOffset()).isZero();
        assertThat(toc.chunkAt(tool, 4095).orElseThrow().chunkOffset()).isZero();
        assertThat(toc.chunkAt(tool, 4096).orElseThrow().chunkOffset()).isEqualTo(4096);
        assertThat(toc.chunkAt(tool, BIG.length - 1).orElseThrow())
                .extracting(Chunk::chunkOffset, Chunk::chunkSize).containsExactly(8192L, (long) BIG.length - 8192);
        assertThat(toc.chunkAt(tool, BIG.length)).isEmpty();
        assertThat(toc.chunkAt(tool, -1)).isEmpty();
    }

    @Test
    void payloadsSharingAGzipMemberAreReadThroughInnerOffset() throws Exception {
        TestBlob.Built built = TestBlob.layer().minChunkSize(100_000)
                .file("a", "first file").file("b", "second file").file("c", BIG).build();
        Toc toc = built.read();

        Chunk a = toc.chunks(toc.lookup("a").orElseThrow().inode()).getFirst();
        Chunk b = toc.chunks(toc.lookup("b").orElseThrow().inode()).getFirst();
        assertThat(b.offset()).isEqualTo(a.offset());
        assertThat(b.innerOffset()).isGreaterThan(a.innerOffset());
        assertThat(built.content(toc, toc.lookup("b").orElseThrow())).asString().isEqualTo("second file");
        assertThat(built.content(toc, toc.lookup("c").orElseThrow())).isEqualTo(BIG);
    }

    @Test
    void aLegacyStargzBlobWithTheFortySevenByteFooterReads() throws Exception {
        TestBlob.Built built = sampleLayer().legacyFooter().build();
        Toc toc = built.read();

        assertThat(built.footer().format()).isEqualTo(Footer.Format.LEGACY_STARGZ);
        assertThat(built.content(toc, toc.lookup("usr/bin/tool").orElseThrow())).isEqualTo(BIG);
    }

    @Test
    void theTocDigestIsTheSha256OfTheExactJsonBytesAndAMismatchIsRejected() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("a", "x").editJson(json -> json + "\n\n").build();
        Digest other = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));

        assertThat(built.read(TocLimits.defaults(), Optional.empty()).digest())
                .isEqualTo(Digest.sha256(built.tocJson()));
        assertThatThrownBy(() -> built.read(TocLimits.defaults(), Optional.of(other)))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TOC_DIGEST_MISMATCH))
                .hasMessageContaining(other.value());
    }

    @Test
    void theLandmarkOffsetIsThePrefetchRange() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("hot", BIG).landmark(Prefetch.LANDMARK).file("cold", "c").build();
        Toc toc = built.read();

        long landmarkOffset = toc.chunks(toc.lookup(Prefetch.LANDMARK).orElseThrow().inode()).getFirst().offset();
        assertThat(toc.prefetch()).isEqualTo(new Prefetch.UpTo(landmarkOffset));
        assertThat(toc.chunks(toc.lookup("hot").orElseThrow().inode()).getLast().compressedEnd())
                .isEqualTo(landmarkOffset);
        assertThat(TestBlob.layer().file("a", "x").build().read().prefetch()).isEqualTo(new Prefetch.Unmarked());
    }

    @Test
    void anEmptyTocIsALayerWithJustTheRoot() throws Exception {
        Toc toc = TestBlob.withToc("{\"version\":1,\"entries\":[]}").read();

        assertThat(toc.nameCount()).isEqualTo(1);
        assertThat(toc.root().type()).isEqualTo(EntryType.DIR);
        assertThat(toc.children(Toc.ROOT_INODE)).isEmpty();
    }

    @Test
    void xattrsComeBackDecodedAndCopied() throws Exception {
        Toc toc = TestBlob.layer()
                .file("f", "x", Map.of("xattrs", Map.of("user.k", TestBlob.base64("v1"))))
                .build().read();
        long inode = toc.lookup("f").orElseThrow().inode();

        assertThat(toc.xattrs(inode)).containsOnlyKeys("user.k");
        toc.xattrs(inode).get("user.k")[0] = 'X';
        assertThat(new String(toc.xattrs(inode).get("user.k"), StandardCharsets.UTF_8)).isEqualTo("v1");
        assertThat(toc.xattrs(Toc.ROOT_INODE)).isEmpty();
    }

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
