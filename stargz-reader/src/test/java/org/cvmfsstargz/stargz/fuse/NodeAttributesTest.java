package org.cvmfsstargz.stargz.fuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class NodeAttributesTest {
    private static NodeAttributes file(long size) {
        return new NodeAttributes(3, NodeAttributes.S_IFREG | 0644, 1, 0, 0, size, Instant.EPOCH, 0);
    }

    @Test
    void blocksCountStartedHalfKilobytes() {
        assertThat(file(0).blocks()).isZero();
        assertThat(file(1).blocks()).isEqualTo(1);
        assertThat(file(512).blocks()).isEqualTo(1);
        assertThat(file(513).blocks()).isEqualTo(2);
    }

    @Test
    void makedevMatchesGlibcForSmallAndLargeNumbers() {
        assertThat(NodeAttributes.makedev(1, 3)).isEqualTo(0x103);
        assertThat(NodeAttributes.makedev(8, 17)).isEqualTo(0x811);
        assertThat(NodeAttributes.makedev(259, 65_536)).isEqualTo(0x1001_0300L);
        assertThat(NodeAttributes.makedev(0x1000, 0)).isEqualTo(0x0000_1000_0000_0000L);
        assertThat(NodeAttributes.makedev(0, 0)).isZero();
    }

    @Test
    void attributesWithoutATypeOrWithImpossibleValuesAreRefused() {
        assertThatThrownBy(() -> new NodeAttributes(3, 0644, 1, 0, 0, 0, Instant.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeAttributes(0, NodeAttributes.S_IFREG, 1, 0, 0, 0, Instant.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeAttributes(3, NodeAttributes.S_IFREG, 0, 0, 0, 0, Instant.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new NodeAttributes(3, NodeAttributes.S_IFREG, 1, 1L << 32, 0, 0, Instant.EPOCH, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void permissionsKeepSetuidSetgidAndSticky() {
        NodeAttributes dir = new NodeAttributes(1, NodeAttributes.S_IFDIR | 01777, 2, 0, 0, 0, Instant.EPOCH, 0);

        assertThat(dir.permissions()).isEqualTo(01777);
        assertThat(dir.isDirectory()).isTrue();
        assertThat(file(0).isDirectory()).isFalse();
    }
}
