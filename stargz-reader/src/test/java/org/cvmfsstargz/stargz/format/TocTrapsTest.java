package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The TOC quirks an honest writer produces (reference §1.2), each read the way the Go reader
 * reads it. TOCs are written literally, single quotes standing for double quotes; payload offsets
 * point into 64 KiB of filler data.
 */
class TocTrapsTest {
    @Test
    void missingModeUidAndGidMeanZero() throws Exception {
        TocEntry f = read("{'name':'f','type':'reg'}").lookup("f").orElseThrow();

        assertThat(f.mode()).isZero();
        assertThat(f.uid()).isZero();
        assertThat(f.gid()).isZero();
        assertThat(f.userName()).isEmpty();
        assertThat(f.modTime()).isEqualTo(Instant.EPOCH);
    }

    @Test
    void chunkSizeZeroMeansToTheEndOfTheFile() throws Exception {
        TestBlob.Built built = TestBlob.withToc(toc("""
                {'name':'whole','type':'reg','size':50,'offset':10,'chunkDigest':'%s'},
                {'name':'f','type':'reg','size':300,'offset':100,'chunkSize':100},
                {'name':'ignored','type':'chunk','offset':200,'chunkOffset':100,'chunkSize':100},
                {'type':'chunk','offset':300,'chunkOffset':200}
                """.formatted(digest("x")), ""));
        Toc toc = built.read();

        assertThat(toc.chunks(toc.lookup("whole").orElseThrow().inode())).singleElement()
                .extracting(Chunk::chunkSize, Chunk::compressedEnd).containsExactly(50L, 100L);
        assertThat(toc.chunks(toc.lookup("f").orElseThrow().inode()))
                .extracting(Chunk::chunkOffset, Chunk::chunkSize, Chunk::offset, Chunk::compressedEnd)
                .containsExactly(tuple(0L, 100L, 100L, 200L), tuple(100L, 100L, 200L, 300L),
                        tuple(200L, 100L, 300L, built.tocOffset()));
        assertThat(toc.lookup("ignored")).isEmpty();
    }

    @Test
    void ownerNamesAreCarriedForwardByIdFromTheFirstEntryThatGivesThem() throws Exception {
        Toc toc = read("""
                {'name':'a','type':'dir','uid':1000,'gid':100,'userName':'alice','groupName':'users'},
                {'name':'a/b','type':'reg','uid':1000,'gid':100},
                {'name':'a/c','type':'reg','uid':1001,'gid':100},
                {'name':'a/d','type':'reg','uid':1000,'gid':5,'groupName':''}
                """);

        assertThat(toc.lookup("a/b").orElseThrow()).extracting(TocEntry::userName, TocEntry::groupName)
                .containsExactly(Optional.of("alice"), Optional.of("users"));
        assertThat(toc.lookup("a/c").orElseThrow()).extracting(TocEntry::uid, TocEntry::userName, TocEntry::groupName)
                .containsExactly(1001L, Optional.empty(), Optional.of("users"));
        assertThat(toc.lookup("a/d").orElseThrow()).extracting(TocEntry::userName, TocEntry::groupName)
                .containsExactly(Optional.of("alice"), Optional.empty());
    }

    @Test
    void xattrValuesAreBase64AsGoEncodesByteSlices() throws Exception {
        Toc toc = read("""
                {'name':'f','type':'reg','xattrs':{'security.capability':'AQAAAgAgAAAAAAAAAAAAAAAAAAA=',
                 'user.empty':null,'user.wrapped':'aGVs\\nbG8='}}
                """);
        long f = toc.lookup("f").orElseThrow().inode();

        assertThat(toc.xattrs(f).get("security.capability")).hasSize(20).startsWith(1, 0, 0, 2);
        assertThat(toc.xattrs(f).get("user.empty")).isEmpty();
        assertThat(new String(toc.xattrs(f).get("user.wrapped"), StandardCharsets.UTF_8)).isEqualTo("hello");
    }

    @Test
    void dotSlashAndSlashPrefixesNameTheSamePaths() throws Exception {
        Toc toc = read("""
                {'name':'./','type':'dir','mode':448,'uid':7},
                {'name':'./a/','type':'dir'},
                {'name':'/a/b','type':'reg'},
                {'name':'a/./c//d','type':'reg'}
                """);

        assertThat(toc.root()).extracting(TocEntry::mode, TocEntry::uid).containsExactly(0700, 7L);
        assertThat(toc.children(toc.lookup("a").orElseThrow().inode())).extracting(DirectoryEntry::name)
                .containsExactly("b", "c");
        assertThat(toc.lookup("a/c/d")).isPresent();
        assertThat(toc.lookup("a/b").orElseThrow().path()).isEqualTo("a/b");
    }

    @Test
    void unknownKeysNumLinkAndNullsAreIgnored() throws Exception {
        Toc toc = read("""
                {'name':'f','type':'reg','NumLink':0,'mode':null,'future':{'nested':[1,{'x':[]}]},'digest':'whatever'}
                """, "'extra':[1,2,3],");

        assertThat(toc.lookup("f").orElseThrow().mode()).isZero();
    }

    @Test
    void aDirectoryDefinedAfterEntriesBelowItKeepsItsInodeAndTakesItsAttributes() throws Exception {
        Toc toc = read("""
                {'name':'a/b/c','type':'reg'},
                {'name':'a/','type':'dir','mode':448,'uid':5,'modtime':'2020-01-01T00:00:00Z'}
                """);
        TocEntry a = toc.lookup("a").orElseThrow();

        assertThat(a.inode()).isEqualTo(2);
        assertThat(a).extracting(TocEntry::mode, TocEntry::uid, TocEntry::modTime)
                .containsExactly(0700, 5L, Instant.parse("2020-01-01T00:00:00Z"));
        assertThat(toc.lookup("a/b").orElseThrow().mode()).isEqualTo(0755);
    }

    @Test
    void hardLinksResolveThroughLinksAndToTargetsLaterInTheToc() throws Exception {
        Toc toc = read("""
                {'name':'l2','type':'hardlink','linkName':'./l1'},
                {'name':'l1','type':'hardlink','linkName':'/f'},
                {'name':'f','type':'reg','size':10,'offset':50}
                """);
        TocEntry f = toc.lookup("f").orElseThrow();

        assertThat(toc.lookup("l1")).contains(f);
        assertThat(toc.lookup("l2")).contains(f);
        assertThat(f.linkCount()).isEqualTo(3);
        assertThat(toc.entry(1 + 1)).isEmpty(); // l2's node number is no inode
    }

    @Test
    void aHardLinkAfterItsTargetGivesTheSharedInodeItsOwnHeaderAsUnpackingDoes() throws Exception {
        Toc toc = read("""
                {'name':'f','type':'reg','size':10,'offset':50,'mode':420,'uid':1,'modtime':'2020-01-01T00:00:00Z'},
                {'name':'l','type':'hardlink','linkName':'f','mode':493,'uid':7,'modtime':'2021-01-01T00:00:00Z',
                 'xattrs':{'user.a':'YQ=='}}
                """);
        TocEntry f = toc.lookup("f").orElseThrow();

        assertThat(f).extracting(TocEntry::mode, TocEntry::uid, TocEntry::modTime)
                .containsExactly(0755, 7L, Instant.parse("2021-01-01T00:00:00Z"));
        assertThat(toc.lookup("l")).contains(f);
        assertThat(toc.xattrs(f.inode())).containsOnlyKeys("user.a");
    }

    @Test
    void symlinkTargetsMayClimbAndBeAbsoluteSinceTheKernelResolvesThemInsideTheContainer() throws Exception {
        Toc toc = read("""
                {'name':'a/up','type':'symlink','linkName':'../../../etc/passwd'},
                {'name':'a/abs','type':'symlink','linkName':'/etc/passwd'}
                """);

        assertThat(toc.lookup("a/up").orElseThrow().linkTarget()).contains("../../../etc/passwd");
        assertThat(toc.lookup("a/abs").orElseThrow().linkTarget()).contains("/etc/passwd");
    }

    @Test
    void timesMayCarryFractionsAndOffsets() throws Exception {
        Toc toc = read("""
                {'name':'a','type':'reg','modtime':'2024-01-02T03:04:05.999Z'},
                {'name':'b','type':'reg','modtime':'2024-01-02T05:04:05+02:00'},
                {'name':'c','type':'reg','modtime':''}
                """);

        assertThat(toc.lookup("a").orElseThrow().modTime()).isEqualTo(Instant.parse(TestBlob.MODTIME));
        assertThat(toc.lookup("b").orElseThrow().modTime()).isEqualTo(Instant.parse(TestBlob.MODTIME));
        assertThat(toc.lookup("c").orElseThrow().modTime()).isEqualTo(Instant.EPOCH);
    }

    static Toc read(String entries) throws CorruptLayerException {
        return read(entries, "");
    }

    private static Toc read(String entries, String extraTopLevel) throws CorruptLayerException {
        return TestBlob.withToc(toc(entries, extraTopLevel)).read();
    }

    static String toc(String entries, String extraTopLevel) {
        return ("{" + extraTopLevel + "'version':1,'entries':[" + entries + "]}").replace('\'', '"');
    }

    static String digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8)).value();
    }
}
