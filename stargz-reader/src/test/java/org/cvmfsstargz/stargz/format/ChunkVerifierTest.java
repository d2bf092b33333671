package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.junit.jupiter.api.Test;

class ChunkVerifierTest {
    private static final byte[] DATA = random(3000);
    private static final ChunkVerifier VERIFIER = new ChunkVerifier(true);

    @Test
    void aChunkWhoseBytesMatchItsDigestIsReturned() throws Exception {
        TestBlob.Built built = TestBlob.layer().chunkSize(1000).file("f", DATA).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk second = toc.chunks(f.inode()).get(1);

        byte[] bytes = VERIFIER.read(f, second, compressed(built, second));

        assertThat(bytes).isEqualTo(Arrays.copyOfRange(DATA, 1000, 2000));
    }

    @Test
    void aPrefixOfTheCompressedRangeIsEnoughAndAnOffsetIntoABufferWorks() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA).file("g", "next").build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();
        byte[] padded = new byte[built.blob().length + 10];
        System.arraycopy(built.blob(), 0, padded, 10, built.blob().length);

        assertThat(VERIFIER.read(f, chunk, padded, 10 + (int) chunk.offset(), (int) chunk.compressedLength()))
                .isEqualTo(DATA);
    }

    @Test
    void aFlippedByteInTheCompressedDataIsNeverServed() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();

        for (int position : new int[] {12, 100, 1500, (int) chunk.compressedLength() - 30}) {
            byte[] bytes = compressed(built, chunk);
            bytes[position] ^= 0x10;
            assertThatThrownBy(() -> VERIFIER.read(f, chunk, bytes)).isInstanceOfSatisfying(
                    CorruptLayerException.class, e -> {
                        assertThat(e.reason()).isIn(Reason.CORRUPT_CHUNK, Reason.CHUNK_DIGEST_MISMATCH);
                        assertThat(e.entry()).contains("f");
                    });
        }
    }

    @Test
    void verifyIntoWritesTheSameBytesAsReadInPiecesAndRejectsWhatReadRejects() throws Exception {
        byte[] large = random(200_000);
        TestBlob.Built built = TestBlob.layer().chunkSize(150_000).file("f", large).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        for (Chunk chunk : toc.chunks(f.inode())) {
            java.io.ByteArrayOutputStream sink = new java.io.ByteArrayOutputStream();
            VERIFIER.verifyInto(f, chunk, compressed(built, chunk), 0, (int) chunk.compressedLength(), sink);
            assertThat(sink.toByteArray()).isEqualTo(VERIFIER.read(f, chunk, compressed(built, chunk)));
        }
        Chunk first = toc.chunks(f.inode()).getFirst();
        byte[] flipped = compressed(built, first);
        flipped[(int) first.compressedLength() - 30] ^= 0x10;
        assertThatThrownBy(() -> VERIFIER.verifyInto(f, first, flipped, 0, flipped.length,
                java.io.OutputStream.nullOutputStream())).isInstanceOf(CorruptLayerException.class);
    }

    @Test
    void aFailingSinkIsAnIoErrorNotACorruptLayer() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();
        java.io.OutputStream full = new java.io.OutputStream() {
            @Override
            public void write(int b) throws java.io.IOException {
                throw new java.io.IOException("No space left on device");
            }
        };

        assertThatThrownBy(() -> VERIFIER.verifyInto(f, chunk, compressed(built, chunk), 0,
                (int) chunk.compressedLength(), full)).isInstanceOf(java.io.IOException.class)
                .hasMessageContaining("No space left");
    }

    @Test
    void aChunkThatDoesNotMatchTheTocsDigestIsRejected() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA)
                .editEntries(entries -> entries.getFirst().put("chunkDigest", TocTrapsTest.digest("other")))
                .build();
        Toc toc = built.read(TocLimits.defaults(), Optional.empty());
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();

        assertThatThrownBy(() -> VERIFIER.read(f, chunk, compressed(built, chunk)))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CHUNK_DIGEST_MISMATCH))
                .hasMessageContaining(TocTrapsTest.digest("other"));
    }

    @Test
    void aChunkWithoutDigestIsRefusedUnlessVerificationIsOff() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA)
                .editEntries(entries -> entries.getFirst().remove("chunkDigest")).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();

        assertThat(chunk.chunkDigest()).isEmpty();
        assertThatThrownBy(() -> VERIFIER.read(f, chunk, compressed(built, chunk)))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.CHUNK_DIGEST_MISSING));
        assertThat(new ChunkVerifier(false).read(f, chunk, compressed(built, chunk))).isEqualTo(DATA);
    }

    @Test
    void truncatedOrForeignBytesAreACorruptChunk() throws Exception {
        TestBlob.Built built = TestBlob.layer().file("f", DATA).build();
        Toc toc = built.read();
        TocEntry f = toc.lookup("f").orElseThrow();
        Chunk chunk = toc.chunks(f.inode()).getFirst();
        byte[] whole = compressed(built, chunk);

        for (byte[] bad : List.of(Arrays.copyOf(whole, whole.length / 2), new byte[0], random(100))) {
            assertThatThrownBy(() -> VERIFIER.read(f, chunk, bad)).isInstanceOfSatisfying(
                    CorruptLayerException.class, e -> assertThat(e.reason()).isEqualTo(Reason.CORRUPT_CHUNK));
        }
    }

    @Test
    void innerOffsetSkipsTheBytesBeforeThePayloadInASharedMember() throws Exception {
        TestBlob.Built built = TestBlob.layer().minChunkSize(1 << 20)
                .file("a", "aaaa", Map.of()).file("b", "bbbb", Map.of()).build();
        Toc toc = built.read();
        TocEntry b = toc.lookup("b").orElseThrow();
        Chunk chunk = toc.chunks(b.inode()).getFirst();

        assertThat(chunk.innerOffset()).isEqualTo(512 + 512 + 512); // a's header and padded payload, b's header
        assertThat(VERIFIER.read(b, chunk, compressed(built, chunk))).asString().isEqualTo("bbbb");
    }

    private static byte[] compressed(TestBlob.Built built, Chunk chunk) {
        return Arrays.copyOfRange(built.blob(), (int) chunk.offset(), (int) chunk.compressedEnd());
    }

    private static byte[] random(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }
}
