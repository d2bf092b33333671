package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;
import org.cvmfsstargz.bench.startup.ImagePlan.Content;
import org.junit.jupiter.api.Test;

class FileContentTest {
    private static byte[] content(Content content, long size, long seed) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FileContent.write(out, content, size, seed);
        return out.toByteArray();
    }

    private static double gzipRatio(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return (double) out.size() / bytes.length;
    }

    @Test
    void everyKindHasExactlyTheRequestedSize() throws IOException {
        for (Content kind : Content.values()) {
            for (long size : new long[] {0, 1, 63, 65_536, 65_537, 300_001}) {
                assertThat(content(kind, size, 3)).as("%s of %d bytes", kind, size).hasSize((int) size);
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOthers() throws IOException {
        for (Content kind : Content.values()) {
            assertThat(content(kind, 100_000, 5)).isEqualTo(content(kind, 100_000, 5))
                    .isNotEqualTo(content(kind, 100_000, 6));
        }
    }

    @Test
    void randomContentDoesNotCompress() throws IOException {
        assertThat(gzipRatio(content(Content.RANDOM, 1 << 20, 1))).isGreaterThan(0.99);
    }

    @Test
    void textIsLinesOfLowercaseWordsThatGzipShrinksToUnderHalf() throws IOException {
        byte[] text = content(Content.TEXT, 1 << 20, 1);

        String s = new String(text, StandardCharsets.US_ASCII);
        assertThat(s).matches("[a-z \\n]+");
        assertThat(s.lines().limit(100)).allSatisfy(line -> assertThat(line.split(" ")).hasSize(12));
        assertThat(gzipRatio(text)).isBetween(0.2, 0.5);
    }
}
