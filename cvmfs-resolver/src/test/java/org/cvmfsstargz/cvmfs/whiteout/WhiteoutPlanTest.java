package org.cvmfsstargz.cvmfs.whiteout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WhiteoutPlanTest {

    private static WhiteoutPlan planOf(String... markers) {
        return WhiteoutPlan.of(List.of(markers).stream().map(Path::of).toList(), Map.of());
    }

    private static List<Path> paths(String... paths) {
        return List.of(paths).stream().map(Path::of).toList();
    }

    @Test
    void aWhiteoutFileDeletesItsNameAndIsItselfHidden() {
        WhiteoutPlan plan = planOf("etc/.wh.gone");
        assertThat(plan.deleted()).isEqualTo(paths("etc/gone"));
        assertThat(plan.hidden()).isEqualTo(paths("etc/.wh.gone"));
        assertThat(plan.opaque()).isEmpty();
    }

    @Test
    void anOpaqueMarkerMakesItsDirectoryOpaque() {
        WhiteoutPlan plan = planOf("data/.wh..wh..opq");
        assertThat(plan.opaque()).isEqualTo(paths("data"));
        assertThat(plan.deleted()).isEmpty();
        assertThat(plan.hidden()).isEqualTo(paths("data/.wh..wh..opq"));
    }

    @Test
    void catalogMarkersAreHiddenAtEveryDepth() {
        WhiteoutPlan plan = planOf(".cvmfscatalog", "usr/lib/.cvmfscatalog");
        assertThat(plan.hidden()).isEqualTo(paths(".cvmfscatalog", "usr/lib/.cvmfscatalog"));
        assertThat(plan.deleted()).isEmpty();
    }

    @Test
    void aWhiteoutAtTheRootDeletesATopLevelName() {
        assertThat(planOf(".wh.opt").deleted()).isEqualTo(paths("opt"));
    }

    @Test
    void anOpaqueRootIsTheEmptyPath() {
        assertThat(planOf(".wh..wh..opq").opaque()).isEqualTo(paths(""));
    }

    @Test
    void otherAufsMetadataIsHiddenButDeletesNothing() {
        WhiteoutPlan plan = planOf(".wh..wh.plnk", ".wh..wh.aufs", "x/.wh.");
        assertThat(plan.deleted()).isEmpty();
        assertThat(plan.hidden()).hasSize(3);
    }

    @Test
    void namesThatWouldEscapeTheLayerAreIgnored() {
        WhiteoutPlan plan = planOf("../.wh.passwd", "a/../../.wh.x", "/etc/.wh.shadow", "a/.wh..", "a/./.wh.b");
        assertThat(plan.deleted()).isEmpty();
        assertThat(plan.hidden()).isEqualTo(paths("a/.wh.."));
    }

    @Test
    void ordinaryFilesAreIgnored() {
        assertThat(planOf("etc/passwd", "etc/wh.x").isEmpty()).isTrue();
    }

    @Test
    void entriesBelowADeletedPathAreDropped() {
        WhiteoutPlan plan = planOf(".wh.a", "a/.wh.b", "a/c/.wh..wh..opq");
        assertThat(plan.deleted()).isEqualTo(paths("a"));
        assertThat(plan.opaque()).isEmpty();
        assertThat(plan.hidden()).hasSize(3);
    }

    @Test
    void aPlanWithAnEscapingPathIsRefused() {
        assertThatThrownBy(() -> new WhiteoutPlan(paths("../x"), List.of(), List.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("escapes");
    }

    @Test
    void pathsAreSortedAndDeduplicated() {
        WhiteoutPlan plan = planOf("b/.wh.x", "a/.wh.x", "b/.wh.x");
        assertThat(plan.deleted()).isEqualTo(paths("a/x", "b/x"));
    }
}
