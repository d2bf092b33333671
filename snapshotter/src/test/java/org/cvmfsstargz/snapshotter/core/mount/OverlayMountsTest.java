package org.cvmfsstargz.snapshotter.core.mount;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.Mount;
import org.junit.jupiter.api.Test;

class OverlayMountsTest {
    private static final Path FS = Path.of("/r/snapshots/9/fs");
    private static final Path WORK = Path.of("/r/snapshots/9/work");
    private static final List<Path> TWO = List.of(Path.of("/r/snapshots/2/fs"), Path.of("/r/snapshots/1/fs"));
    private final OverlayMounts indexOff = new OverlayMounts(true);

    @Test
    void anActiveSnapshotWithoutParentsIsAWritableBindMount() {
        assertThat(indexOff.mounts(Kind.ACTIVE, FS, WORK, List.of()))
                .containsExactly(new Mount("bind", FS.toString(), List.of("rw", "rbind")));
    }

    @Test
    void aViewWithoutParentsIsAReadOnlyBindMount() {
        assertThat(indexOff.mounts(Kind.VIEW, FS, WORK, List.of()))
                .containsExactly(new Mount("bind", FS.toString(), List.of("ro", "rbind")));
    }

    @Test
    void aViewOfOneParentBindsTheParentReadOnly() {
        assertThat(indexOff.mounts(Kind.VIEW, FS, WORK, TWO.subList(0, 1)))
                .containsExactly(new Mount("bind", "/r/snapshots/2/fs", List.of("ro", "rbind")));
    }

    @Test
    void anActiveSnapshotWithParentsIsAnOverlayWithNearestParentFirst() {
        assertThat(indexOff.mounts(Kind.ACTIVE, FS, WORK, TWO)).containsExactly(new Mount("overlay", "overlay",
                List.of("index=off", "workdir=/r/snapshots/9/work", "upperdir=/r/snapshots/9/fs",
                        "lowerdir=/r/snapshots/2/fs:/r/snapshots/1/fs")));
    }

    @Test
    void aViewOfSeveralParentsIsAnOverlayWithOnlyLowerDirs() {
        assertThat(new OverlayMounts(false).mounts(Kind.VIEW, FS, WORK, TWO)).containsExactly(new Mount("overlay",
                "overlay", List.of("lowerdir=/r/snapshots/2/fs:/r/snapshots/1/fs")));
    }

    @Test
    void committedSnapshotsHaveNoMounts() {
        assertThatThrownBy(() -> indexOff.mounts(Kind.COMMITTED, FS, WORK, List.of()))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
