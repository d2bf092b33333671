package org.cvmfsstargz.stargz.cache;

import java.util.Optional;
import java.util.Random;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.Digest;

/** Chunk bytes and keys for cache tests: deterministic, so any wrong byte returned is detectable. */
final class TestChunks {
    static final Digest LAYER = Digest.sha256(new byte[] {1});
    static final Digest OTHER_LAYER = Digest.sha256(new byte[] {2});

    private TestChunks() {
    }

    /** {@code length} pseudo-random bytes, the same for the same seed. */
    static byte[] bytes(long seed, int length) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** The content-addressed key {@code bytes} are cached under. */
    static ChunkKey contentKey(byte[] bytes) {
        return ChunkKey.of(LAYER, new Chunk(0, 0, 0, Math.max(1, bytes.length), 1, Optional.of(Digest.sha256(bytes))));
    }

    /** The legacy key of a chunk of {@code size} bytes in the gzip member at {@code offset} of {@link #LAYER}. */
    static ChunkKey legacyKey(long offset, int size) {
        return ChunkKey.of(LAYER, new Chunk(offset, 0, 0, size, offset + 1, Optional.empty()));
    }
}
