package org.cvmfsstargz.snapshotter.source.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CvmfsWarmUpTest {
    @TempDir
    Path root;

    @Test
    void theWarmUpClaimsItsSyntheticLayerFromItsIndexThenFromDisk() throws Exception {
        Path dir = root.resolve("warm");

        CvmfsWarmUp.warm(dir);

        assertThat(Files.readSymbolicLink(dir.resolve("snapshot-2/fs"))).isEqualTo(
                dir.resolve("warm-up.local/.layers/00/" + "0".repeat(64) + "/layerfs"));
        assertThat(dir.resolve("snapshot-2/dn/etc/gone")).exists();
        assertThat(dir.resolve("plans/" + "0".repeat(64))).isRegularFile();
    }

    @Test
    void theWarmUpLeavesNothingBehind() throws Exception {
        Path leftover = Files.createDirectories(root.resolve("cvmfs/warm-up/snapshot-1/fs"));

        CvmfsWarmUp.run(root);

        assertThat(leftover).doesNotExist();
        try (Stream<Path> entries = Files.list(root.resolve("cvmfs"))) {
            assertThat(entries).isEmpty();
        }
    }
}
