package org.cvmfsstargz.cvmfs.whiteout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DiskPlanCacheTest {
    private static final FileTime TIME = FileTime.fromMillis(1_600_000_000_000L);
    private static final WhiteoutPlan PLAN = WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog"), Path.of("etc/.wh.gone")),
            Map.of(Path.of(""), new DirAttributes(0755, 0, 0, TIME), Path.of("etc"), new DirAttributes(0755, 0, 0, TIME)));
    private static final WhiteoutPlan OTHER_PLAN = WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog")),
            Map.of(Path.of(""), new DirAttributes(0700, 0, 0, TIME)));

    @TempDir
    Path tmp;

    private static LayerDigest digest(int n) {
        return LayerDigest.parse("sha256:" + String.format("%064x", n));
    }

    private Path dir() {
        return tmp.resolve("cvmfs/whiteouts");
    }

    private List<String> names() throws IOException {
        try (Stream<Path> files = Files.list(dir())) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void aPlanPutIsGotBackAfterReopeningAsOneFileNamedByTheDigest() throws Exception {
        DiskPlanCache.open(dir(), 10).put(digest(1), PLAN);

        DiskPlanCache reopened = DiskPlanCache.open(dir(), 10);

        assertThat(reopened.get(digest(1))).isEqualTo(new DiskPlanCache.Lookup.Hit(PLAN));
        assertThat(reopened.get(digest(2))).isEqualTo(new DiskPlanCache.Lookup.Miss());
        assertThat(names()).containsExactly(digest(1).hex());
        assertThat(reopened.size()).isEqualTo(1);
    }

    @Test
    void aCorruptTruncatedForeignOrMismatchingFileIsRefusedDeletedAndThenReplaced() throws Exception {
        DiskPlanCache cache = DiskPlanCache.open(dir(), 10);
        cache.put(digest(1), PLAN);
        byte[] valid = Files.readAllBytes(dir().resolve(digest(1).hex()));
        byte[] flipped = valid.clone();
        flipped[valid.length / 2] ^= 0x04;
        byte[] foreignVersion = new String(valid, "US-ASCII").replace("whiteouts 1\n", "whiteouts 9\n").getBytes("US-ASCII");
        byte[] otherLayer = WhiteoutIndex.encode(digest(2), PLAN).orElseThrow();
        for (byte[] bad : List.of(flipped, Arrays.copyOf(valid, valid.length - 3), new byte[0], foreignVersion,
                otherLayer)) {
            Files.write(dir().resolve(digest(1).hex()), bad);

            assertThat(cache.get(digest(1))).isInstanceOfSatisfying(DiskPlanCache.Lookup.Refused.class,
                    r -> assertThat(r.file()).isEqualTo(dir().resolve(digest(1).hex())));
            assertThat(dir().resolve(digest(1).hex())).doesNotExist();
            assertThat(cache.get(digest(1))).isEqualTo(new DiskPlanCache.Lookup.Miss());
        }

        cache.put(digest(1), OTHER_PLAN);
        assertThat(cache.get(digest(1))).isEqualTo(new DiskPlanCache.Lookup.Hit(OTHER_PLAN));
    }

    @Test
    void aPutReplacesTheFileWholeAndLeavesNoTemporaryFile() throws Exception {
        DiskPlanCache cache = DiskPlanCache.open(dir(), 10);
        cache.put(digest(1), PLAN);
        Path file = dir().resolve(digest(1).hex());
        Object inodeBefore = Files.getAttribute(file, "unix:ino");

        cache.put(digest(1), OTHER_PLAN);

        assertThat(Files.getAttribute(file, "unix:ino")).as("a new file renamed over the old one, not rewritten in place")
                .isNotEqualTo(inodeBefore);
        assertThat(Files.readAllBytes(file)).isEqualTo(WhiteoutIndex.encode(digest(1), OTHER_PLAN).orElseThrow());
        assertThat(names()).containsExactly(digest(1).hex());
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void temporaryFilesOfAnInterruptedWriteAreDeletedAtOpen() throws Exception {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("." + digest(1).hex() + ".tmp-123"), "half a fi");
        Files.writeString(dir().resolve("README"), "not ours: left alone, not counted");

        DiskPlanCache cache = DiskPlanCache.open(dir(), 10);

        assertThat(names()).containsExactly("README");
        assertThat(cache.size()).isZero();
        assertThat(cache.get(digest(1))).isEqualTo(new DiskPlanCache.Lookup.Miss());
    }

    @Test
    void pastItsBoundTheLeastRecentlyUsedFilesGo() throws Exception {
        DiskPlanCache cache = DiskPlanCache.open(dir(), 10);
        for (int i = 0; i < 10; i++) {
            cache.put(digest(i), PLAN);
            Files.setLastModifiedTime(dir().resolve(digest(i).hex()), FileTime.fromMillis(1_000_000L * (i + 1)));
        }
        assertThat(cache.get(digest(0))).as("a hit makes the oldest the newest").isInstanceOf(DiskPlanCache.Lookup.Hit.class);

        cache.put(digest(10), PLAN);

        assertThat(cache.size()).isEqualTo(9);
        assertThat(names()).hasSize(9).contains(digest(0).hex(), digest(10).hex())
                .doesNotContain(digest(1).hex(), digest(2).hex());
    }

    @Test
    void aCacheOpenedOverItsBoundShrinksAtOnce() throws Exception {
        DiskPlanCache big = DiskPlanCache.open(dir(), 100);
        for (int i = 0; i < 20; i++) {
            big.put(digest(i), PLAN);
        }

        DiskPlanCache small = DiskPlanCache.open(dir(), 10);

        assertThat(small.size()).isEqualTo(9);
        assertThat(names()).hasSize(9);
    }

    @Test
    void aCacheTurnedOffKeepsNothing() throws Exception {
        for (DiskPlanCache off : List.of(DiskPlanCache.none(), DiskPlanCache.open(dir(), 0))) {
            assertThat(off.put(digest(1), PLAN)).isFalse();
            assertThat(off.get(digest(1))).isEqualTo(new DiskPlanCache.Lookup.Miss());
        }
        assertThat(dir()).doesNotExist();
    }
}
