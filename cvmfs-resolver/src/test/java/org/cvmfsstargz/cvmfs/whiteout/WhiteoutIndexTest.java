package org.cvmfsstargz.cvmfs.whiteout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.junit.jupiter.api.Test;

class WhiteoutIndexTest {
    private static final LayerDigest DIGEST = LayerDigest.parse("sha256:" + "ab".repeat(32));
    private static final LayerDigest OTHER = LayerDigest.parse("sha256:" + "cd".repeat(32));
    private static final FileTime TIME = FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 123_456_789));
    private static final String ROOT_DIR = "dir 755 0 0 1700000000 0 .\n";

    private static WhiteoutPlan plan() {
        Map<Path, DirAttributes> dirs = new HashMap<>();
        dirs.put(Path.of(""), new DirAttributes(0755, 0, 0, TIME));
        dirs.put(Path.of("tmp"), new DirAttributes(01777, 0, 0, FileTime.from(Instant.ofEpochSecond(-5, 1))));
        dirs.put(Path.of("my dir"), new DirAttributes(0750, 1000, 1001, TIME));
        dirs.put(Path.of("my dir/100%\nnew\u00e9"), new DirAttributes(0700, 7, 8, TIME));
        return WhiteoutPlan.of(List.of(Path.of(".cvmfscatalog"), Path.of("tmp/.wh..wh..opq"),
                Path.of("my dir/.wh.gone file"), Path.of("my dir/100%\nnew\u00e9/.wh.\u00fcber")), dirs);
    }

    /** An index with the given lines between header and end, and a correct checksum. */
    private static byte[] index(String header, String layer, String entries) {
        String body = header + "\n" + layer + "\n" + entries;
        CRC32C crc = new CRC32C();
        crc.update(body.getBytes(StandardCharsets.UTF_8));
        return (body + String.format("end crc32c:%08x\n", crc.getValue())).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] index(String entries) {
        return index("cvmfs-stargz-whiteouts 1", "layer " + DIGEST, entries);
    }

    private static WhiteoutPlan decode(byte[] content) throws CorruptIndexException {
        return WhiteoutIndex.decode(content, DIGEST, "test-index");
    }

    @Test
    void aPlanComesBackUnchangedWhateverItsNames() throws Exception {
        WhiteoutPlan plan = plan();

        byte[] encoded = WhiteoutIndex.encode(DIGEST, plan).orElseThrow();

        assertThat(decode(encoded)).isEqualTo(plan);
        assertThat(new String(encoded, StandardCharsets.US_ASCII)).startsWith("cvmfs-stargz-whiteouts 1\nlayer "
                + DIGEST + "\n").contains("\ndir 1777 0 0 -5 1 tmp\n").contains("\nmarker my%20dir/.wh.gone%20file\n")
                .contains("my%20dir/100%25%0Anew%C3%A9/.wh.%C3%BCber");
    }

    @Test
    void anEmptyPlanHasAnIndexToo() throws Exception {
        WhiteoutPlan empty = WhiteoutPlan.of(List.of(), Map.of(Path.of(""), new DirAttributes(0755, 0, 0, TIME)));
        assertThat(decode(WhiteoutIndex.encode(DIGEST, empty).orElseThrow())).isEqualTo(empty);
    }

    @Test
    void everyTruncationIsRefused() throws Exception {
        byte[] encoded = WhiteoutIndex.encode(DIGEST, plan()).orElseThrow();
        for (int length = 0; length < encoded.length; length++) {
            byte[] cut = java.util.Arrays.copyOf(encoded, length);
            assertThatThrownBy(() -> decode(cut)).as("cut at %d", length).isInstanceOf(CorruptIndexException.class);
        }
    }

    @Test
    void everyFlippedBitIsRefused() throws Exception {
        byte[] encoded = WhiteoutIndex.encode(DIGEST, plan()).orElseThrow();
        for (int i = 0; i < encoded.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] flipped = encoded.clone();
                flipped[i] ^= (byte) (1 << bit);
                int at = i;
                assertThatThrownBy(() -> decode(flipped)).as("byte %d", at).isInstanceOf(CorruptIndexException.class);
            }
        }
    }

    @Test
    void anotherFormatVersionIsRefused() {
        assertThatThrownBy(() -> decode(index("cvmfs-stargz-whiteouts 2", "layer " + DIGEST, ROOT_DIR)))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("test-index")
                .hasMessageContaining("format version 2 is not 1");
        assertThatThrownBy(() -> decode("{\"layers\": []}\n".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void anIndexOfAnotherLayerIsRefused() {
        byte[] foreign = WhiteoutIndex.encode(OTHER, plan()).orElseThrow();
        assertThatThrownBy(() -> decode(foreign)).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("for another layer").hasMessageContaining(OTHER.value());
    }

    @Test
    void pathsThatCouldEscapeTheLayerOrAreNotMarkersAreRefused() {
        List<String> bad = List.of("marker ../.wh.x", "marker /etc/.wh.passwd", "marker a/../.wh.x",
                "marker %2E%2E/.wh.x", "marker a/./.wh.x", "marker a//.wh.x", "marker a/.wh.x/",
                "marker %2Fetc/.wh.x", "marker a%00b/.wh.x", "marker .", "marker etc/passwd", "marker %4",
                "marker %zz/.wh.x", "marker %FF/.wh.x", "marker " + "a/".repeat(2100) + ".wh.x",
                "dir 755 0 0 0 0 ../up", "dir 10000 0 0 0 0 a", "dir 755 -1 0 0 0 a", "dir 755 0 0 0 1000000000 a",
                "dir 755 4294967296 0 0 0 a", "dir 755 0 0 99999999999999999 0 a", "marker  .wh.x", "other line", "");
        for (String line : bad) {
            assertThatThrownBy(() -> decode(index(ROOT_DIR + line + "\n"))).as(line)
                    .isInstanceOf(CorruptIndexException.class).hasMessageContaining("line 4");
        }
    }

    @Test
    void aMarkerWithoutItsDirectoriesIsRefused() {
        assertThatThrownBy(() -> decode(index(ROOT_DIR + "marker etc/.wh.gone\n")))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("no dir line for etc");
        assertThatThrownBy(() -> decode(index("marker .cvmfscatalog\n")))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("no dir line for .");
    }

    @Test
    void repeatedLinesAreRefused() {
        assertThatThrownBy(() -> decode(index(ROOT_DIR + "marker .cvmfscatalog\nmarker .cvmfscatalog\n")))
                .isInstanceOf(CorruptIndexException.class).hasMessageContaining("second marker line");
        assertThatThrownBy(() -> decode(index(ROOT_DIR + ROOT_DIR))).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("second dir line");
    }

    @Test
    void anythingAfterTheEndLineIsRefused() {
        byte[] valid = index(ROOT_DIR);
        byte[] longer = java.util.Arrays.copyOf(valid, valid.length + 1);
        longer[valid.length] = '\n';
        assertThatThrownBy(() -> decode(longer)).isInstanceOf(CorruptIndexException.class);
    }

    @Test
    void tooManyEntriesOrBytesAreRefused() {
        StringBuilder many = new StringBuilder(ROOT_DIR);
        for (int i = 0; i < WhiteoutIndex.MAX_ENTRIES; i++) {
            many.append("marker .wh.f").append(i).append('\n');
        }
        assertThatThrownBy(() -> decode(index(many.toString()))).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("more than " + WhiteoutIndex.MAX_ENTRIES + " entries");
        assertThatThrownBy(() -> decode(new byte[WhiteoutIndex.MAX_BYTES + 1])).isInstanceOf(CorruptIndexException.class)
                .hasMessageContaining("larger than");
    }

    @Test
    void aPlanOverTheLimitsHasNoIndex() {
        List<Path> markers = new ArrayList<>();
        for (int i = 0; i < WhiteoutIndex.MAX_BYTES / 4000 + 1; i++) {
            markers.add(Path.of(".wh." + "x".repeat(4000) + i));
        }
        WhiteoutPlan huge = WhiteoutPlan.of(markers, Map.of(Path.of(""), new DirAttributes(0755, 0, 0, TIME)));
        assertThat(WhiteoutIndex.encode(DIGEST, huge)).isEmpty();
    }

    @Test
    void aHandWrittenIndexIsRead() throws Exception {
        WhiteoutPlan plan = decode(index(ROOT_DIR + "dir 1777 0 0 1700000000 5 tmp\nmarker .cvmfscatalog\n"
                + "marker tmp/.wh.junk\nmarker tmp/.wh..wh..opq\n"));

        assertThat(plan.deleted()).containsExactly(Path.of("tmp/junk"));
        assertThat(plan.opaque()).containsExactly(Path.of("tmp"));
        assertThat(plan.hidden()).containsExactlyInAnyOrder(Path.of(".cvmfscatalog"), Path.of("tmp/.wh.junk"),
                Path.of("tmp/.wh..wh..opq"));
        assertThat(plan.directories().get(Path.of("tmp")))
                .isEqualTo(new DirAttributes(01777, 0, 0, FileTime.from(Instant.ofEpochSecond(1_700_000_000L, 5))));
    }
}
