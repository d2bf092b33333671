package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.format.TocTrapsTest.toc;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every way a TOC is refused, each with its reason and the entry it names. A refused layer is
 * pulled normally, so these must never be mistaken for layers to mount.
 */
class TocRejectionTest {
    private static final String X256 = "x".repeat(256);

    static Stream<Arguments> badEntries() {
        return Stream.of(
                arguments("{'name':'../x','type':'reg'}", Reason.PATH_ESCAPE, "../x"),
                arguments("{'name':'/../etc/passwd','type':'reg'}", Reason.PATH_ESCAPE, "/../etc/passwd"),
                arguments("{'name':'a/../../x','type':'dir'}", Reason.PATH_ESCAPE, "a/../../x"),
                arguments("{'name':'h','type':'hardlink','linkName':'../etc/shadow'}", Reason.PATH_ESCAPE, "h"),
                arguments("{'name':'a\\u0000b','type':'reg'}", Reason.INVALID_NAME, "a\0b"),
                arguments("{'name':'" + X256 + "','type':'reg'}", Reason.INVALID_NAME, X256),
                arguments("{'type':'reg'}", Reason.INVALID_NAME, "#0"),
                arguments("{'name':'s','type':'symlink'}", Reason.INVALID_NAME, "s"),
                arguments("{'name':'h','type':'hardlink'}", Reason.INVALID_NAME, "h"),
                arguments("{'name':'a','type':'reg'},{'name':'a','type':'reg'}", Reason.DUPLICATE_ENTRY, "a"),
                arguments("{'name':'a','type':'reg'},{'name':'./a','type':'symlink','linkName':'b'}",
                        Reason.DUPLICATE_ENTRY, "./a"),
                arguments("{'name':'d/','type':'dir'},{'name':'d','type':'dir'}", Reason.DUPLICATE_ENTRY, "d"),
                arguments("{'name':'./','type':'dir'},{'name':'/','type':'dir'}", Reason.DUPLICATE_ENTRY, "/"),
                arguments("{'name':'a','type':'reg'},{'name':'a/b','type':'reg'}", Reason.CONFLICTING_ENTRY, "a/b"),
                arguments("{'name':'a/b','type':'reg'},{'name':'a','type':'reg'}", Reason.CONFLICTING_ENTRY, "a"),
                arguments("{'name':'s','type':'symlink','linkName':'/'},{'name':'s/x','type':'reg'}",
                        Reason.CONFLICTING_ENTRY, "s/x"),
                arguments("{'name':'./','type':'reg'}", Reason.CONFLICTING_ENTRY, "./"),
                arguments("{'name':'d','type':'dir'},{'name':'h','type':'hardlink','linkName':'d'}",
                        Reason.CONFLICTING_ENTRY, "h"),
                arguments("{'name':'f','type':'reg','size':10,'offset':10000000}", Reason.OFFSET_OUT_OF_BLOB, "f"),
                arguments("{'name':'f','type':'reg','size':10,'offset':-1}", Reason.OFFSET_OUT_OF_BLOB, "f"),
                arguments("{'name':'.prefetch.landmark','type':'reg','offset':10000000}",
                        Reason.OFFSET_OUT_OF_BLOB, ".prefetch.landmark"),
                arguments("{'name':'f','type':'reg','size':300,'offset':100,'chunkSize':100},"
                        + "{'type':'chunk','offset':200,'chunkOffset':150}", Reason.BAD_CHUNK_LAYOUT, "f"),
                arguments("{'name':'f','type':'reg','size':300,'offset':100,'chunkSize':100},"
                        + "{'type':'chunk','offset':200,'chunkOffset':50}", Reason.BAD_CHUNK_LAYOUT, "f"),
                arguments("{'name':'f','type':'reg','size':300,'offset':100,'chunkSize':100},{'name':'g','type':'dir'}",
                        Reason.BAD_CHUNK_LAYOUT, "f"),
                arguments("{'name':'f','type':'reg','size':300,'offset':100,'chunkSize':100}", Reason.BAD_CHUNK_LAYOUT,
                        "f"),
                arguments("{'name':'f','type':'reg','size':100,'offset':100,'chunkSize':200}", Reason.BAD_CHUNK_LAYOUT,
                        "f"),
                arguments("{'name':'f','type':'reg','size':300,'offset':100},{'type':'chunk','offset':200,"
                        + "'chunkOffset':300}", Reason.BAD_CHUNK_LAYOUT, "f"),
                arguments("{'name':'d','type':'dir'},{'name':'d','type':'chunk','offset':100}", Reason.BAD_CHUNK_LAYOUT,
                        "d"),
                arguments("{'name':'e','type':'reg'},{'type':'chunk','offset':100}", Reason.BAD_CHUNK_LAYOUT, "#1"),
                arguments("{'name':'a','type':'reg','size':10,'offset':500},{'name':'b','type':'reg','size':10,"
                        + "'offset':100}", Reason.BAD_CHUNK_LAYOUT, "b"),
                arguments("{'name':'a','type':'reg','size':10,'offset':100},{'name':'b','type':'reg','size':10,"
                        + "'offset':100}", Reason.BAD_CHUNK_LAYOUT, "b"),
                arguments("{'name':'a','type':'reg','size':50,'offset':100},{'name':'b','type':'reg','size':10,"
                        + "'offset':100,'innerOffset':20}", Reason.BAD_CHUNK_LAYOUT, "b"),
                arguments("{'name':'f','type':'reg','size':-1}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','size':2199023255553,'offset':10}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','size':134217728,'offset':10}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','size':1000000,'offset':100},{'name':'g','type':'reg','size':1,"
                        + "'offset':200}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','size':10,'offset':100,'innerOffset':-5}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','size':10,'offset':100,'innerOffset':9223372036854775800}",
                        Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'a','type':'reg','size':50,'offset':100,'innerOffset':9223372036854775800},"
                        + "{'name':'b','type':'reg','size':10,'offset':100}", Reason.ABSURD_SIZE, "a"),
                arguments("{'name':'f','type':'reg','mode':2147483647}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','uid':4294967296}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'f','type':'reg','gid':-1}", Reason.ABSURD_SIZE, "f"),
                arguments("{'name':'c','type':'char','devMajor':-1}", Reason.ABSURD_SIZE, "c"),
                arguments("{'name':'h','type':'hardlink','linkName':'nope'}", Reason.HARDLINK_TARGET_MISSING, "h"),
                arguments("{'name':'f','type':'reg'},{'name':'h','type':'hardlink','linkName':'f/x'}",
                        Reason.HARDLINK_TARGET_MISSING, "h"),
                arguments("{'name':'a','type':'hardlink','linkName':'b'},{'name':'b','type':'hardlink','linkName':'a'}",
                        Reason.HARDLINK_CYCLE, "a"),
                arguments("{'name':'a','type':'hardlink','linkName':'a'}", Reason.HARDLINK_CYCLE, "a"),
                arguments("{'name':'f','type':'socket'}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','size':1.5}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','size':'10'}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','size':99999999999999999999}", Reason.MALFORMED_TOC, "f"),
                arguments("{'type':'reg','name':7}", Reason.MALFORMED_TOC, "#0"),
                arguments("{'name':'f','type':'reg','modtime':'yesterday'}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','xattrs':{'user.a':'!!!'}}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','xattrs':['user.a']}", Reason.MALFORMED_TOC, "f"),
                arguments("{'name':'f','type':'reg','size':5,'offset':100,'chunkDigest':'md5:abc'}",
                        Reason.MALFORMED_TOC, "f"));
    }

    @ParameterizedTest(name = "[{index}] {1}: {0}")
    @MethodSource("badEntries")
    void aTocWithABadEntryIsRejectedNamingTheEntry(String entries, Reason reason, String entry) {
        assertThatThrownBy(() -> TocTrapsTest.read(entries)).isInstanceOfSatisfying(CorruptLayerException.class, e -> {
            assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason);
            assertThat(e.entry()).as(e.getMessage()).contains(entry);
            assertThat(e.getMessage()).doesNotContain("\n").doesNotContain("\0");
        });
    }

    @ParameterizedTest
    @MethodSource("badDocuments")
    void aTocThatIsNotTheExpectedJsonDocumentIsMalformed(String json) {
        assertRejected(TestBlob.withToc(json.replace('\'', '"')), TocLimits.defaults(), Reason.MALFORMED_TOC);
    }

    static Stream<String> badDocuments() {
        return Stream.of("[]", "{", "", "{'entries':{}}", "{'entries':[1]}", "{'version':2,'entries':[]}",
                "{'version':'1','entries':[]}", "{'entries':[]} {}", "{'entries':[]} x");
    }

    @Test
    void aTocLargerThanTheLimitIsRejectedBeforeItIsParsed() throws Exception {
        TestBlob.Built built = TestBlob.withToc(toc("{'name':'f','type':'reg'}", ""));
        int jsonLength = built.tocJson().length;

        assertRejected(built, limits(jsonLength - 1, 10), Reason.TOC_TOO_LARGE);
        assertRejected(built, limits(built.tocSection().length - 1, 10), Reason.TOC_TOO_LARGE);
        assertThat(built.read(limits(Math.max(jsonLength, built.tocSection().length), 10), Optional.empty())
                .nameCount()).isEqualTo(2);
        assertThat(new TocReader(limits(1000, 10)).admitsSection(1001)).isFalse();
    }

    @Test
    void moreEntriesThanTheLimitAreRejected() {
        TestBlob.Built built = TestBlob.withToc(toc("{'name':'a','type':'reg'},{'name':'b','type':'reg'}", ""));

        assertRejected(built, limits(1 << 20, 1), Reason.TOC_TOO_LARGE);
    }

    @Test
    void moreExtendedAttributeBytesThanTheLimitAreAbsurd() {
        TestBlob.Built built = TestBlob.withToc(toc("{'name':'f','type':'reg','xattrs':{'user.a':'"
                + TestBlob.base64("x".repeat(100)) + "'}}", ""));

        assertRejected(built, new TocLimits(1 << 20, 10, 4096, 1 << 20, 1 << 20, 64), Reason.ABSURD_SIZE);
    }

    @Test
    void aTocSectionThatIsNotAGzippedTarStartingWithTheIndexIsMalformed() throws Exception {
        byte[] notGzip = "definitely not gzip".getBytes(StandardCharsets.UTF_8);
        byte[] otherFirst = gzip(TarGzWriter.tarHeader("etc/passwd", '0', 0, null), new byte[1024]);
        byte[] truncated = gzip(TarGzWriter.tarHeader(TocTarEntry.NAME, '0', 5000, null), "{}".getBytes());
        byte[] emptyTar = gzip(new byte[1024]);
        byte[] badChecksum = TarGzWriter.tarHeader(TocTarEntry.NAME, '0', 2, null);
        badChecksum[0] = 'S';

        byte[] checksumWrong = gzip(badChecksum, "{}".getBytes());
        for (byte[] section : new byte[][] {notGzip, otherFirst, truncated, emptyTar, checksumWrong}) {
            Footer footer = new Footer(Footer.Format.ESTARGZ, 100);
            long blobSize = 100 + section.length + 51;
            TocReader reader = new TocReader(TocLimits.defaults());
            assertThatThrownBy(() -> reader.read(section, footer, blobSize, Optional.empty()))
                    .isInstanceOfSatisfying(CorruptLayerException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED_TOC));
        }
    }

    @Test
    void aPaxHeaderInFrontOfTheIndexIsHonoured() throws Exception {
        byte[] json = toc("{'name':'f','type':'reg'}", "").getBytes(StandardCharsets.UTF_8);
        byte[] record = "26 path=stargz.index.json\n".getBytes(StandardCharsets.UTF_8);
        byte[] section = gzip(TarGzWriter.tarHeader("PaxHeaders/x", 'x', record.length, null), pad(record),
                TarGzWriter.tarHeader("short-name", '0', json.length, null), pad(json), new byte[1024]);

        Toc toc = new TocReader(TocLimits.defaults()).read(section, new Footer(Footer.Format.ESTARGZ, 7),
                7 + section.length + 51, Optional.of(Digest.sha256(json)));

        assertThat(toc.lookup("f")).isPresent();
    }

    @Test
    void aChunkOfMoreThan16MiBIsRefusedByDefaultSinceEachReadMayHoldOneWhole() throws Exception {
        TestBlob.Built large = TestBlob.withToc(toc("{'name':'f','type':'reg','size':" + ((16 << 20) + 1)
                + ",'offset':50,'chunkSize':" + ((16 << 20) + 1) + "}", ""));
        TestBlob.Built largest = TestBlob.withToc(toc("{'name':'f','type':'reg','size':" + (16 << 20)
                + ",'offset':50,'chunkSize':" + (16 << 20) + "}", ""));

        assertRejected(large, TocLimits.defaults(), Reason.ABSURD_SIZE);
        assertThat(largest.read(TocLimits.defaults(), Optional.empty()).lookup("f")).isPresent();
    }

    @Test
    void aTocThatTakesLongerThanItsBuildTimeToIndexIsRefusedAsTooSlow() throws Exception {
        TestBlob.Built built = TestBlob.withToc(HardLinkChainTest.chain(5_000, false));
        TocLimits limits = TocLimits.defaults().withMaxBuildTime(java.time.Duration.ofNanos(1));

        assertThatThrownBy(() -> built.read(limits, Optional.empty())).isInstanceOfSatisfying(
                CorruptLayerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.TOC_TOO_SLOW);
                    assertThat(e.getMessage()).contains("longer than 0 ms");
                });
        assertThat(built.read(TocLimits.defaults(), Optional.empty()).lookup("l4999")).isPresent();
    }

    private static void assertRejected(TestBlob.Built built, TocLimits limits, Reason reason) {
        assertThatThrownBy(() -> built.read(limits, Optional.empty())).isInstanceOfSatisfying(
                CorruptLayerException.class, e -> assertThat(e.reason()).as(e.getMessage()).isEqualTo(reason));
    }

    private static TocLimits limits(long maxTocBytes, int maxEntries) {
        TocLimits d = TocLimits.defaults();
        return new TocLimits(maxTocBytes, maxEntries, d.maxPathBytes(), d.maxChunkSize(), d.maxFileSize(),
                d.maxXattrBytes());
    }

    private static byte[] pad(byte[] content) {
        return java.util.Arrays.copyOf(content, (content.length + 511) / 512 * 512);
    }

    private static byte[] gzip(byte[]... parts) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            for (byte[] part : parts) {
                gz.write(part);
            }
        }
        return out.toByteArray();
    }
}
