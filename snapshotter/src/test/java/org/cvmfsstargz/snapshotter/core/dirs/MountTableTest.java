package org.cvmfsstargz.snapshotter.core.dirs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MountTableTest {
    @TempDir
    Path tmp;

    @Test
    void mountPointsOfOneTypeUnderADirectoryComeDeepestFirstAndUnescaped() throws Exception {
        Path mountinfo = tmp.resolve("mountinfo");
        Files.writeString(mountinfo, String.join("\n",
                "22 1 0:21 / /proc rw,nosuid - proc proc rw",
                "90 30 0:50 / /var/lib/s/snapshots/7/fs ro,nosuid,nodev - fuse.estargz estargz:abc ro,user_id=0",
                "91 30 0:51 / /var/lib/s/snapshots/8/fs ro - fuse.faultyfuse mirror ro",
                "92 90 0:52 / /var/lib/s/snapshots/7/fs/deeper ro - fuse.estargz estargz:def ro",
                "93 30 0:53 / /var/lib/other/snapshots/9/fs ro - fuse.estargz estargz:ghi ro",
                "94 30 0:54 / /var/lib/s/snapshots/with\\040space/fs ro - fuse.estargz estargz:jkl ro",
                ""));
        MountTable table = new MountTable(mountinfo);

        assertThat(table.mountPoints(Path.of("/var/lib/s/snapshots"), "fuse.estargz")).containsExactly(
                Path.of("/var/lib/s/snapshots/7/fs/deeper"), Path.of("/var/lib/s/snapshots/7/fs"),
                Path.of("/var/lib/s/snapshots/with space/fs"));
        assertThat(table.anyUnder(Path.of("/var/lib/s/snapshots/with space"))).isTrue();
    }

    @Test
    void anUnreadableMountTableIsAnError() {
        assertThatThrownBy(() -> new MountTable(tmp.resolve("missing")).mountPoints(tmp, "fuse.estargz"))
                .isInstanceOf(UncheckedIOException.class).hasMessageContaining("missing");
    }
}
