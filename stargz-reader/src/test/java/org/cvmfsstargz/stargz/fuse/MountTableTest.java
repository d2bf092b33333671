package org.cvmfsstargz.stargz.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.cvmfsstargz.stargz.format.Digest;
import org.junit.jupiter.api.Test;

class MountTableTest {
    @Test
    void mountPointsAreTheFifthFieldUnescaped() {
        List<String> lines = List.of(
                "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda1 rw",
                "40 22 0:35 / /var/lib/a\\040b rw,nosuid,nodev,relatime shared:20 - fuse.estargz estargz:0123456789ab ro",
                "41 22 0:36 / /tmp/back\\134slash rw - tmpfs tmpfs rw",
                "short line");

        assertThat(MountTable.mountPoints(lines)).containsExactlyInAnyOrder("/", "/var/lib/a b", "/tmp/back\\slash");
    }

    @Test
    void aBackslashWithoutThreeOctalDigitsStaysAsItIs() {
        assertThat(MountTable.unescape("/a\\09x")).isEqualTo("/a\\09x");
        assertThat(MountTable.unescape("/a\\01")).isEqualTo("/a\\01");
        assertThat(MountTable.unescape("/tab\\011end")).isEqualTo("/tab\tend");
    }

    @Test
    void theOwnMountNamespaceShowsTheRootAsAMountPoint() throws Exception {
        assertThat(MountTable.isMountPoint(Path.of("/"))).isTrue();
        assertThat(LayerMount.isMounted(Path.of("/proc/self"))).isFalse();
    }

    @Test
    void mountOptionsAreReadOnlySharedCachedAndNamedAfterTheLayer() {
        Digest layer = Digest.sha256(new byte[] {1});

        List<String> options = List.of(LayerMount.options(layer).split(","));

        assertThat(options).containsExactly("ro", "allow_other", "default_permissions", "use_ino", "kernel_cache",
                "entry_timeout=3600", "attr_timeout=3600", "negative_timeout=3600", "max_read=131072",
                "fsname=estargz:" + layer.hex().substring(0, 12), "subtype=estargz");
    }
}
