package org.cvmfsstargz.stargz.convert;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.ChunkVerifier;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.junit.jupiter.api.Test;

class EstargzWriterTest {
    private static final int CHUNK = 1000;

    @Test
    void aWrittenBlobReadsBackThroughTheFooterTheTocAndTheVerifier() throws Exception {
        byte[] big = new byte[2 * CHUNK + 123];
        new Random(7).nextBytes(big);
        EstargzWriter.Blob blob = new EstargzWriter(CHUNK)
                .directory("usr/")
                .file("usr/small.txt", "hello\n".getBytes(StandardCharsets.UTF_8))
                .file("usr/big.bin", big)
                .file("usr/empty", new byte[0])
                .symlink("usr/link", "small.txt")
                .write();

        Toc toc = read(blob);

        assertThat(toc.digest()).isEqualTo(blob.tocDigest());
        assertThat(content(blob, toc, "usr/small.txt")).asString(StandardCharsets.UTF_8).isEqualTo("hello\n");
        assertThat(content(blob, toc, "usr/big.bin")).isEqualTo(big);
        assertThat(toc.chunks(toc.lookup("usr/big.bin").orElseThrow().inode())).hasSize(3);
        assertThat(toc.lookup("usr/empty").orElseThrow().size()).isZero();
        assertThat(toc.lookup("usr/link").orElseThrow().linkTarget()).contains("small.txt");
    }

    @Test
    void theBlobIsOneValidGzipStreamOfATar() throws IOException {
        EstargzWriter.Blob blob = new EstargzWriter(CHUNK).file("a", new byte[CHUNK * 3]).write();

        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(blob.bytes()))) {
            in.transferTo(tar);
        }

        assertThat(tar.size() % 512).isZero();
        assertThat(new String(tar.toByteArray(), 0, 1, StandardCharsets.US_ASCII)).isEqualTo("a");
        List<String> entries = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar.toByteArray()))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                entries.add(e.getName() + " " + e.getSize());
            }
        }
        assertThat(entries).as("a tar reader checks each header's checksum").hasSize(2)
                .startsWith("a " + CHUNK * 3).last().asString().startsWith("stargz.index.json ");
    }

    @Test
    void aNameLongerThanAUstarHeaderIsRefused() {
        assertThatThrownBy(() -> new EstargzWriter(CHUNK).file("d/".repeat(51), new byte[1]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Toc read(EstargzWriter.Blob blob) throws Exception {
        byte[] bytes = blob.bytes();
        Footer footer = Footer.parse(Arrays.copyOfRange(bytes, bytes.length - Footer.MAX_SIZE, bytes.length),
                bytes.length);
        byte[] section = Arrays.copyOfRange(bytes, (int) footer.tocOffset(), bytes.length - footer.size());
        return new TocReader(TocLimits.defaults()).read(section, footer, bytes.length, Optional.of(blob.tocDigest()));
    }

    private static byte[] content(EstargzWriter.Blob blob, Toc toc, String path) throws Exception {
        TocEntry file = toc.lookup(path).orElseThrow();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Chunk chunk : toc.chunks(file.inode())) {
            byte[] compressed = Arrays.copyOfRange(blob.bytes(), (int) chunk.offset(), (int) chunk.compressedEnd());
            out.writeBytes(new ChunkVerifier(true).read(file, chunk, compressed));
        }
        return out.toByteArray();
    }
}
