package org.cvmfsstargz.stargz.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.cache.TestChunks.LAYER;
import static org.cvmfsstargz.stargz.cache.TestChunks.OTHER_LAYER;

import java.util.Optional;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkKeyTest {
    private static final Digest CONTENT = Digest.sha256(new byte[] {42});

    @Test
    void aChunkWithADigestIsKeyedByItsContentWhicheverLayerHoldsIt() {
        ChunkKey key = ChunkKey.of(LAYER, new Chunk(100, 0, 0, 50, 200, Optional.of(CONTENT)));
        ChunkKey elsewhere = ChunkKey.of(OTHER_LAYER, new Chunk(9000, 7, 4096, 50, 9500, Optional.of(CONTENT)));

        assertThat(key.id()).isEqualTo("sha256-" + CONTENT.hex());
        assertThat(elsewhere).isEqualTo(key);
        assertThat(key.contentDigest()).contains(CONTENT);
        assertThat(key.declaredSize()).isEmpty();
        assertThat(key.shard()).isEqualTo(CONTENT.hex().substring(0, 2));
    }

    @Test
    void aChunkWithoutADigestIsKeyedByLayerAndPosition() {
        ChunkKey key = ChunkKey.of(LAYER, new Chunk(100, 7, 4096, 50, 200, Optional.empty()));

        assertThat(key.id()).isEqualTo(LAYER.hex() + "-100-7-50");
        assertThat(key.contentDigest()).isEmpty();
        assertThat(key.declaredSize()).hasValue(50);
        assertThat(key.shard()).isEqualTo(LAYER.hex().substring(0, 2));
        assertThat(ChunkKey.of(OTHER_LAYER, new Chunk(100, 7, 4096, 50, 200, Optional.empty()))).isNotEqualTo(key);
        assertThat(ChunkKey.of(LAYER, new Chunk(100, 8, 4096, 50, 200, Optional.empty()))).isNotEqualTo(key);
    }

    @Test
    void anOpaqueIdIsShardedByItsFirstTwoCharacters() {
        ChunkKey key = new ChunkKey("ab.c_d-e");
        assertThat(key.shard()).isEqualTo("ab");
        assertThat(key.contentDigest()).isEmpty();
        assertThat(key.declaredSize()).isEmpty();
        assertThat(new ChunkKey("a".repeat(ChunkKey.MAX_LENGTH)).id()).hasSize(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a", "../x", "/", "a/b", ".", "..", ".tmp-123", "-ab", "Abc", "ABC", "a b",
        "a\nb", "sha256-abc", "sha256-ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015aD"})
    void rejectsAnIdThatIsNotAPlainLowerCaseFileName(String id) {
        assertThatThrownBy(() -> new ChunkKey(id)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunk cache key").hasMessageNotContaining("\n");
        assertThat(ChunkKey.parse(id)).isEmpty();
    }

    @Test
    void rejectsAnIdLongerThanTwoHundredCharacters() {
        assertThatThrownBy(() -> new ChunkKey("a".repeat(201))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shardNamesAreTwoKeyCharacters() {
        assertThat(ChunkKey.isShardName("0f")).isTrue();
        assertThat(ChunkKey.isShardName("..")).isFalse();
        assertThat(ChunkKey.isShardName("abc")).isFalse();
        assertThat(ChunkKey.isShardName(CacheDirectory.TAG_NAME)).isFalse();
    }
}
