package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;

/**
 * One change to a directory tree, applied relative to a root: the vocabulary of containerd's
 * {@code fstest} appliers (create file or directory, remove, rename, chown, chmod, links), so a test
 * can apply the same layer to a mounted snapshot and to a plain "flat" directory and compare them.
 *
 * <p>Modes are set explicitly after each creation, so the JVM's umask never matters (containerd's
 * suite clears the umask instead). Paths are relative to the root; a leading {@code /} is allowed.
 * Values are immutable and thread-safe; {@link #apply} touches only the given root.
 */
public sealed interface FsChange {

    /** Performs the change under {@code root}. */
    void apply(Path root) throws IOException;

    /** A regular file with exactly {@code content} and permission bits {@code mode}, replacing one. */
    static FsChange createFile(String path, String content, int mode) {
        return new CreateFile(path, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    /** A directory (and missing parents) with permission bits {@code mode}. */
    static FsChange createDir(String path, int mode) {
        return new CreateDir(path, mode);
    }

    /** Removes a file or a whole directory tree; a missing path is not an error. */
    static FsChange removeAll(String path) {
        return new RemoveAll(path);
    }

    /** rename(2): replaces an existing target file. */
    static FsChange rename(String from, String to) {
        return new Rename(from, to);
    }

    /** chown(2) to numeric ids, following a symlink as Go's os.Chown does. */
    static FsChange chown(String path, int uid, int gid) {
        return new Chown(path, uid, gid);
    }

    /** chmod(2) to the given permission bits. */
    static FsChange chmod(String path, int mode) {
        return new Chmod(path, mode);
    }

    /** A hard link at {@code link} to the existing file {@code existing}. */
    static FsChange link(String existing, String link) {
        return new Link(existing, link);
    }

    /** A symbolic link at {@code link} whose target text is {@code target}. */
    static FsChange symlink(String target, String link) {
        return new Symlink(target, link);
    }

    /** The given changes, in order: one layer's worth of edits. */
    static FsChange all(FsChange... changes) {
        return new Sequence(List.of(changes));
    }

    private static Path under(Path root, String path) {
        String relative = path.startsWith("/") ? path.substring(1) : path;
        return relative.isEmpty() ? root : root.resolve(relative);
    }

    /** Sets the 12 permission bits, as chmod(2) does; the {@code unix} view takes the raw mode. */
    private static void setMode(Path file, int mode) throws IOException {
        Files.setAttribute(file, "unix:mode", mode);
    }

    record CreateFile(String path, byte[] content, int mode) implements FsChange {
        public CreateFile {
            content = content.clone();
        }

        @Override
        public byte[] content() {
            return content.clone();
        }

        @Override
        public String toString() {
            return "CreateFile[" + path + ", " + content.length + " bytes, 0" + Integer.toOctalString(mode) + "]";
        }

        @Override
        public void apply(Path root) throws IOException {
            Path file = under(root, path);
            Files.write(file, content, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            setMode(file, mode);
        }
    }

    record CreateDir(String path, int mode) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            Path dir = under(root, path);
            // Like MkdirAll under a cleared umask: every directory it creates gets `mode`.
            Path missing = dir;
            Deque<Path> toCreate = new ArrayDeque<>();
            while (!Files.exists(missing, LinkOption.NOFOLLOW_LINKS)) {
                toCreate.push(missing);
                missing = missing.getParent();
            }
            for (Path d : toCreate) {
                Files.createDirectory(d);
                setMode(d, mode);
            }
            setMode(dir, mode);
        }
    }

    record RemoveAll(String path) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            LocalTree.delete(under(root, path));
        }
    }

    record Rename(String from, String to) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            // ATOMIC_MOVE is a plain rename(2): no copy fallback, so EXDEV surfaces as it would in Go.
            Files.move(under(root, from), under(root, to), StandardCopyOption.ATOMIC_MOVE);
        }
    }

    record Chown(String path, int uid, int gid) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            Path file = under(root, path);
            Files.setAttribute(file, "unix:uid", uid);
            Files.setAttribute(file, "unix:gid", gid);
        }
    }

    record Chmod(String path, int mode) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            setMode(under(root, path), mode);
        }
    }

    record Link(String existing, String link) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            Files.createLink(under(root, link), under(root, existing));
        }
    }

    record Symlink(String target, String link) implements FsChange {
        @Override
        public void apply(Path root) throws IOException {
            Files.createSymbolicLink(under(root, link), Path.of(target));
        }
    }

    record Sequence(List<FsChange> changes) implements FsChange {
        public Sequence {
            changes = List.copyOf(changes);
        }

        @Override
        public void apply(Path root) throws IOException {
            for (FsChange change : changes) {
                change.apply(root);
            }
        }
    }
}
