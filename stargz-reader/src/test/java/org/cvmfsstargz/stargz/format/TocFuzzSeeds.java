package org.cvmfsstargz.stargz.format;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the seed corpus of {@link TocFuzzTest}: small well-formed blobs for {@code anyBlob}, TOC
 * JSON documents full of traps for {@code anyTocJson}. Run from stargz-reader with the test
 * classpath and {@code src/test/resources} as the argument; the output is deterministic.
 */
public final class TocFuzzSeeds {
    private TocFuzzSeeds() {
    }

    public static void main(String[] args) throws IOException {
        Path inputs = Path.of(args[0]).resolve("org/cvmfsstargz/stargz/format/TocFuzzTestInputs");
        Path blobs = Files.createDirectories(inputs.resolve("anyBlob"));
        Files.write(blobs.resolve("layer"), TestBlob.layer().dir("etc/").file("etc/hostname", "box\n")
                .symlink("etc/l", "../x").hardlink("h", "etc/hostname").fifo("p").device("char", "c", 1, 3)
                .landmark(Prefetch.NO_PREFETCH_LANDMARK).build().blob());
        Files.write(blobs.resolve("chunked-prefetch"), TestBlob.layer().chunkSize(64)
                .file("hot", "0123456789".repeat(20)).landmark(Prefetch.LANDMARK).file("cold", "c").build().blob());
        Files.write(blobs.resolve("inner-offset"), TestBlob.layer().minChunkSize(4096)
                .file("a", "aa", Map.of("uid", 7, "userName", "u", "xattrs", Map.of("user.x", TestBlob.base64("v"))))
                .file("b", "bb").build().blob());
        Files.write(blobs.resolve("legacy"), TestBlob.layer().file("f", "legacy").legacyFooter().build().blob());

        Path json = Files.createDirectories(inputs.resolve("anyTocJson"));
        write(json, "traps", """
                {'name':'./','type':'dir','mode':448},
                {'name':'a/b/c','type':'reg','size':300,'offset':100,'chunkSize':100,'uid':5,'userName':'x'},
                {'name':'a/b/c','type':'chunk','offset':200,'chunkOffset':100,'chunkSize':100},
                {'type':'chunk','offset':300,'chunkOffset':200,'uid':5},
                {'name':'a/','type':'dir','NumLink':3,'xattrs':{'user.k':'dmFsdWU=','user.n':null}},
                {'name':'l2','type':'hardlink','linkName':'l1'},{'name':'l1','type':'hardlink','linkName':'/a/b/c'},
                {'name':'s','type':'symlink','linkName':'../up'},{'name':'d','type':'block','devMajor':8},
                {'name':'.prefetch.landmark','type':'reg','size':1,'offset':400,
                 'chunkDigest':'sha256:0000000000000000000000000000000000000000000000000000000000000000'}
                """);
        write(json, "inner-offset", """
                {'name':'a','type':'reg','size':10,'offset':500,'innerOffset':512,'modtime':'2024-01-02T03:04:05Z'},
                {'name':'b','type':'reg','size':10,'offset':500,'innerOffset':1536,
                 'modtime':'2024-01-02T05:04:05+02:00'}
                """);
        write(json, "rejected", "{'name':'../x','type':'reg'},{'name':'x','type':'hardlink','linkName':'x'}");
    }

    private static void write(Path dir, String name, String entries) throws IOException {
        Files.writeString(dir.resolve(name), TocTrapsTest.toc(entries, ""), StandardCharsets.UTF_8);
    }
}
