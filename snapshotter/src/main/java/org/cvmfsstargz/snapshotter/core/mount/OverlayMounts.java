package org.cvmfsstargz.snapshotter.core.mount;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.cvmfsstargz.snapshotter.core.Kind;
import org.cvmfsstargz.snapshotter.core.Mount;

/**
 * The mounts of an active snapshot or view, shaped exactly as containerd 1.6's overlayfs
 * snapshotter returns them, so that containerd's differ recognises an overlay with
 * {@code upperdir} and unpacks straight into it. Pure.
 *
 * <table>
 * <caption>Shapes</caption>
 * <tr><th>parents</th><th>active</th><th>view</th></tr>
 * <tr><td>0</td><td>bind own fs, rw, rbind</td><td>bind own fs, ro, rbind</td></tr>
 * <tr><td>1</td><td>overlay: workdir, upperdir, lowerdir</td><td>bind parent fs, ro, rbind</td></tr>
 * <tr><td>2+</td><td>overlay: workdir, upperdir, lowerdir</td><td>overlay: lowerdir only</td></tr>
 * </table>
 *
 * <p>Overlay options start with {@code index=off} when the kernel has the overlay index feature,
 * as containerd's do: with the index on, a lower layer shared by many snapshots cannot be
 * mounted twice with different upper layers.
 */
public final class OverlayMounts {
    private final boolean indexOff;

    /** @param indexOff whether to add {@code index=off} (the kernel's overlay module has an index parameter) */
    public OverlayMounts(boolean indexOff) {
        this.indexOff = indexOff;
    }

    /** Whether this kernel's overlay module has the index feature, which containerd turns off. */
    public static boolean kernelHasIndexFeature() {
        return java.nio.file.Files.exists(Path.of("/sys/module/overlay/parameters/index"));
    }

    /**
     * @param kind      active or view (committed snapshots have no mounts)
     * @param fs        the snapshot's own content directory
     * @param work      the snapshot's overlay workdir (used for active snapshots with parents)
     * @param parentFs  the lower directories of the parents, nearest parent first, base layer
     *                  last (one per parent, or more for a parent a layer source stacked)
     */
    public List<Mount> mounts(Kind kind, Path fs, Path work, List<Path> parentFs) {
        if (kind == Kind.COMMITTED) {
            throw new IllegalArgumentException("committed snapshots have no mounts");
        }
        if (parentFs.isEmpty()) {
            return List.of(new Mount("bind", fs.toString(), List.of(kind == Kind.VIEW ? "ro" : "rw", "rbind")));
        }
        // The kernel needs two lower directories for an overlay without upperdir: one is a bind.
        if (kind == Kind.VIEW && parentFs.size() == 1) {
            return List.of(new Mount("bind", parentFs.getFirst().toString(), List.of("ro", "rbind")));
        }
        List<String> options = new ArrayList<>();
        if (indexOff) {
            options.add("index=off");
        }
        if (kind == Kind.ACTIVE) {
            options.add("workdir=" + work);
            options.add("upperdir=" + fs);
        }
        options.add("lowerdir=" + parentFs.stream().map(Path::toString).collect(Collectors.joining(":")));
        return List.of(new Mount("overlay", "overlay", options));
    }
}
