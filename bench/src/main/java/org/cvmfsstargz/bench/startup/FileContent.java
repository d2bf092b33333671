package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.cvmfsstargz.bench.startup.ImagePlan.Content;

/**
 * The bytes of a planned file, made from its seed as they are written, so no file is ever held
 * whole in memory: {@link Content#RANDOM} is uniformly random (gzip cannot shrink it, as it
 * cannot shrink compiled or compressed data), {@link Content#TEXT} is lines of words from a
 * fixed vocabulary of 4,096, which gzip shrinks to a little under half, as it does source and text.
 * The same seed and size always give the same bytes. Stateless and thread-safe.
 */
final class FileContent {
    private static final int CHUNK = 64 * 1024;
    private static final int WORDS_PER_LINE = 12;
    private static final byte[][] VOCABULARY = vocabulary(4096, 0x5eed);

    private FileContent() {}

    /** Writes {@code size} bytes of {@code content} made from {@code seed} to {@code out}. */
    static void write(OutputStream out, Content content, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(size, 1))];
        long left = size;
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            if (content == Content.RANDOM) {
                random.nextBytes(chunk);
            } else {
                fillWithText(chunk, n, random);
            }
            out.write(chunk, 0, n);
            left -= n;
        }
    }

    /** Fills {@code chunk[0..n)} with space-separated words, a newline every dozen words. */
    private static void fillWithText(byte[] chunk, int n, SplittableRandom random) {
        int at = 0;
        int words = 0;
        while (at < n) {
            byte[] word = VOCABULARY[random.nextInt(VOCABULARY.length)];
            int length = Math.min(word.length, n - at);
            System.arraycopy(word, 0, chunk, at, length);
            at += length;
            if (at < n) {
                chunk[at++] = (byte) (++words % WORDS_PER_LINE == 0 ? '\n' : ' ');
            }
        }
    }

    /** {@code count} lowercase words of 2 to 10 letters, the same for the same seed. */
    private static byte[][] vocabulary(int count, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] words = new byte[count][];
        for (int i = 0; i < count; i++) {
            StringBuilder word = new StringBuilder();
            int length = 2 + random.nextInt(9);
            for (int c = 0; c < length; c++) {
                word.append((char) ('a' + random.nextInt(26)));
            }
            words[i] = word.toString().getBytes(StandardCharsets.US_ASCII);
        }
        return words;
    }
}
