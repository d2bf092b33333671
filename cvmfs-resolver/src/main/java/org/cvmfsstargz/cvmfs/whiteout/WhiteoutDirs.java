package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Writes a {@link WhiteoutPlan} as two small local directories that kernel overlayfs
 * understands, to be stacked around the layer as lowerdirs {@code upper:layerfs:lower} (top
 * first), above the layers below it.
 *
 * <p>Why two, and why on those sides. A whiteout or opaque directory hides what lies
 * <em>below</em> the layer holding it, never that layer's own content.
 * <ul>
 *   <li>{@code upper} (above {@code layerfs}) gets a 0/0 character device at every marker file
 *       ({@code .wh.*}, {@code .cvmfscatalog}): they are files of this very layer, so only
 *       something above it can hide them.
 *   <li>{@code lower} (below {@code layerfs}) gets a 0/0 character device at every deleted path,
 *       and an empty directory with {@code trusted.overlay.opaque=y} at every opaque directory. Below
 *       {@code layerfs}, they hide the lower layers' entries but not this layer's: OCI allows a
 *       layer to delete {@code name} from below and ship a new {@code name} itself, and an opaque
 *       directory keeps its own content. Placed in {@code upper} they would hide both.
 * </ul>
 * Directories created on the way copy the layer's own attributes where the plan has them, since
 * overlayfs shows a merged directory with the attributes of its topmost layer (the root of
 * {@code upper} becomes the root of the merged view). A plan with an opaque root cannot be
 * expressed here (overlayfs ignores opaque on a layer root): the caller must stack no lower layers.
 *
 * <p>Each directory is built in a temporary sibling and renamed into place, so concurrent callers
 * may race: the first rename wins and later ones find the directory complete. Thread-safe (no
 * state). Requires root (mknod, trusted.* xattrs). The caller owns and deletes the directories.
 */
public final class WhiteoutDirs {
    private WhiteoutDirs() {}

    /**
     * Creates {@code upper} and {@code lower} for {@code plan}, unless they already exist. A side
     * with nothing to hold is not created: every lower directory costs room in the overlay's
     * mount options, which must fit in one page for 128 layers.
     *
     * @throws IOException naming the path (and errno) that could not be created
     */
    public static void materialize(WhiteoutPlan plan, Path upper, Path lower) throws IOException {
        Objects.requireNonNull(plan, "plan");
        if (!plan.hidden().isEmpty()) {
            publish(upper, tmp -> {
                for (Path marker : plan.hidden()) {
                    makeParents(tmp, marker.getParent());
                    OverlayNodes.whiteout(tmp.resolve(marker));
                }
            }, plan);
        }
        if (plan.deleted().isEmpty() && plan.opaque().stream().allMatch(dir -> dir.toString().isEmpty())) {
            return;
        }
        publish(lower, tmp -> {
            for (Path dir : plan.opaque()) {
                if (!dir.toString().isEmpty()) {
                    makeParents(tmp, dir);
                    OverlayNodes.opaque(tmp.resolve(dir));
                }
            }
            for (Path deleted : plan.deleted()) {
                makeParents(tmp, deleted.getParent());
                OverlayNodes.whiteout(tmp.resolve(deleted));
            }
        }, plan);
    }

    @FunctionalInterface
    private interface Filler {
        void fill(Path tmp) throws IOException;
    }

    private static void publish(Path target, Filler filler, WhiteoutPlan plan) throws IOException {
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + target.getFileName() + ".tmp-");
        try {
            filler.fill(tmp);
            applyAttributes(tmp, plan);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileSystemException e) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            // Lost the race: another caller renamed a complete directory into place first.
        } finally {
            deleteTree(tmp);
        }
    }

    private static void makeParents(Path tmp, Path relative) throws IOException {
        if (relative == null) {
            return;
        }
        Path dir = tmp.resolve(relative);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
        }
    }

    /** Owner, mode and time on every directory, once all entries exist (creating one changes mtime). */
    private static void applyAttributes(Path tmp, WhiteoutPlan plan) throws IOException {
        List<Path> dirs = new ArrayList<>();
        try (var walk = Files.walk(tmp)) {
            walk.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(dirs::add);
        }
                for (Path dir : dirs) {
            Path relative = tmp.relativize(dir);
            DirAttributes attributes = plan.directories().get(relative);
            if (attributes == null) {
                Files.setAttribute(dir, "unix:mode", 0755, LinkOption.NOFOLLOW_LINKS);
                continue;
            }
            Files.setAttribute(dir, "unix:uid", attributes.uid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:gid", attributes.gid(), LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(dir, "unix:mode", attributes.mode(), LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(dir, attributes.lastModified());
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
