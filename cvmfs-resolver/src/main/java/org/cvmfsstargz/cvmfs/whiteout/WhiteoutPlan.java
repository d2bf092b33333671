package org.cvmfsstargz.cvmfs.whiteout;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * What one layer's whiteout markers mean, as paths relative to its {@code layerfs} root:
 * <ul>
 *   <li>{@code deleted}: names removed from lower layers ({@code dir/.wh.name} gives {@code dir/name});
 *   <li>{@code opaque}: directories whose lower-layer content is hidden ({@code dir/.wh..wh..opq}
 *       gives {@code dir}; the empty path is the layer root, which overlayfs cannot express: the
 *       caller must then stack no lower layers at all);
 *   <li>{@code hidden}: the marker files themselves (every {@code .wh.*} and {@code .cvmfscatalog});
 *   <li>{@code directories}: attributes of the layer's directories that hold markers, ancestors
 *       included, keyed by relative path ({@code ""} = root).
 * </ul>
 * Names that would escape the layer ({@code ..}, absolute paths) are dropped. Deleted paths and
 * opaque directories below a deleted path are dropped too: the whiteout already hides all of it.
 *
 * <p>Immutable and thread-safe. Pure: building one touches no filesystem.
 */
public record WhiteoutPlan(List<Path> deleted, List<Path> opaque, List<Path> hidden,
        Map<Path, DirAttributes> directories) {
    /** Prefix of OCI whiteout files. */
    public static final String WHITEOUT_PREFIX = ".wh.";
    /** Name of the OCI opaque-directory marker. */
    public static final String OPAQUE_MARKER = ".wh..wh..opq";
    /** Name of the empty file CVMFS puts at the root of every nested catalog. */
    public static final String CATALOG_MARKER = ".cvmfscatalog";

    public WhiteoutPlan {
        deleted = List.copyOf(deleted);
        opaque = List.copyOf(opaque);
        hidden = List.copyOf(hidden);
        directories = Map.copyOf(directories);
        for (List<Path> paths : List.of(deleted, opaque, hidden)) {
            paths.forEach(p -> {
                if (!isSafe(p)) {
                    throw new IllegalArgumentException("whiteout path escapes the layer: " + p);
                }
            });
        }
    }

    /** True when {@code name} is a file the plan hides: a {@code .wh.} file or {@code .cvmfscatalog}. */
    public static boolean isMarker(String name) {
        return name.startsWith(WHITEOUT_PREFIX) || name.equals(CATALOG_MARKER);
    }

    /** Classifies marker files, given as paths relative to the layer root; others are ignored. */
    public static WhiteoutPlan of(Collection<Path> markerFiles, Map<Path, DirAttributes> directories) {
        TreeSet<Path> deleted = new TreeSet<>();
        TreeSet<Path> opaque = new TreeSet<>();
        TreeSet<Path> hidden = new TreeSet<>();
        for (Path file : markerFiles) {
            Path normal = file.normalize();
            if (!isSafe(file) || !normal.equals(file) || file.getFileName() == null) {
                continue;
            }
            String name = file.getFileName().toString();
            if (!isMarker(name)) {
                continue;
            }
            hidden.add(file);
            Path parent = Objects.requireNonNullElse(file.getParent(), Path.of(""));
            if (name.equals(OPAQUE_MARKER)) {
                opaque.add(parent);
            } else if (name.startsWith(WHITEOUT_PREFIX) && !name.startsWith(WHITEOUT_PREFIX + WHITEOUT_PREFIX)) {
                String target = name.substring(WHITEOUT_PREFIX.length());
                if (!target.isEmpty() && !target.equals(".") && !target.equals("..")) {
                    deleted.add(parent.resolve(target));
                }
            }
        }
        List<Path> keptDeleted = withoutDescendantsOf(deleted, deleted);
        List<Path> keptOpaque = withoutDescendantsOf(opaque, deleted);
        return new WhiteoutPlan(keptDeleted, keptOpaque, List.copyOf(hidden), directories);
    }

    /** True when there is nothing to hide: the layer can be stacked as it is. */
    public boolean isEmpty() {
        return deleted.isEmpty() && opaque.isEmpty() && hidden.isEmpty();
    }

    /** A relative path without {@code ..} or {@code .} segments; {@code ""} (the root) is safe. */
    static boolean isSafe(Path path) {
        if (path.isAbsolute()) {
            return false;
        }
        if (path.toString().isEmpty()) {
            return true;
        }
        for (Path segment : path) {
            String s = segment.toString();
            if (s.isEmpty() || s.equals(".") || s.equals("..")) {
                return false;
            }
        }
        return true;
    }

    private static List<Path> withoutDescendantsOf(TreeSet<Path> paths, TreeSet<Path> ancestors) {
        List<Path> kept = new ArrayList<>();
        for (Path p : paths) {
            boolean below = false;
            for (Path up = p.getParent(); up != null && !below; up = up.getParent()) {
                below = ancestors.contains(up);
            }
            if (!below) {
                kept.add(p);
            }
        }
        return kept;
    }
}
