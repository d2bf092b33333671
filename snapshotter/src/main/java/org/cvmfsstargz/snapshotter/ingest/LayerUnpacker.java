package org.cvmfsstargz.snapshotter.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;

/**
 * Unpacks one layer tar into a directory verbatim, as {@code cvmfs_server ingest} stores it:
 * whiteouts ({@code .wh.<name>}, {@code .wh..wh..opq}) stay ordinary files, and owners, modes,
 * mtimes, symlinks, hardlinks, directories, devices and FIFOs are kept as root would keep them.
 *
 * <p>Never writes outside the directory: entries with absolute names or {@code ..} components are
 * refused, every parent on the way must be a real directory (never a symlink, even one the same
 * tar created), and files are created exclusively, so an existing symlink is never followed.
 *
 * <p>Thread-safe; holds no state between calls.
 */
public final class LayerUnpacker {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    private final EntryAttributes attributes;

    /** An unpacker preserving owners when run as root. */
    public LayerUnpacker() {
        this(EntryAttributes.forCurrentUser());
    }

    LayerUnpacker(EntryAttributes attributes) {
        this.attributes = attributes;
    }

    /**
     * Unpacks the tar read from {@code tar} into {@code dir} (an existing directory), stopping at
     * the end-of-archive marker; the caller owns and closes {@code tar}.
     *
     * @throws IngestException on an unsafe or unsupported entry; {@code dir} then holds a partial
     *     tree the caller must delete
     */
    public void unpack(InputStream tar, Path dir) throws IngestException, IOException {
        TarArchiveInputStream in = new TarArchiveInputStream(tar);
        List<Deferred> directories = new ArrayList<>();
        TarArchiveEntry entry;
        while ((entry = in.getNextEntry()) != null) {
            Optional<Path> target = target(dir, entry.getName());
            if (target.isEmpty()) {
                directories.add(new Deferred(dir, entry));
                continue;
            }
            Path path = target.get();
            if (entry.isDirectory()) {
                if (!isDirectory(path)) {
                    removeExisting(path);
                    Files.createDirectory(path);
                }
                directories.add(new Deferred(path, entry));
                continue;
            }
            removeExisting(path);
            create(in, dir, path, entry);
            // Also for a hardlink: containerd applies its header to the shared inode, and a
            // CVMFS layer must look exactly like the same layer unpacked by containerd.
            attributes.apply(path, entry);
        }
        // Directory modes and times last: creating children changes a directory's mtime, and a
        // read-only directory must stay writable until its children exist. Deepest first.
        for (Deferred d : directories.reversed()) {
            attributes.apply(d.path(), d.entry());
        }
    }

    private record Deferred(Path path, TarArchiveEntry entry) {}

    private void create(InputStream in, Path dir, Path path, TarArchiveEntry entry)
            throws IngestException, IOException {
        if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(path, linkTarget(entry));
        } else if (entry.isLink()) {
            Path existing = existingLinkTarget(dir, entry);
            Files.createLink(path, existing);
        } else if (entry.isCharacterDevice()) {
            SpecialFiles.create(path, SpecialFiles.S_IFCHR, entry.getMode(), entry.getDevMajor(), entry.getDevMinor());
        } else if (entry.isBlockDevice()) {
            SpecialFiles.create(path, SpecialFiles.S_IFBLK, entry.getMode(), entry.getDevMajor(), entry.getDevMinor());
        } else if (entry.isFIFO()) {
            SpecialFiles.create(path, SpecialFiles.S_IFIFO, entry.getMode(), 0, 0);
        } else if (entry.isFile()) {
            try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE, NOFOLLOW)) {
                in.transferTo(out);
            }
        } else {
            throw new IngestException("tar entry '" + entry.getName() + "' has unsupported type '"
                    + (char) entry.getLinkFlag() + "'");
        }
    }

    /**
     * The path an entry names inside {@code dir}, creating missing parents as plain directories;
     * empty for the root itself ({@code ./}).
     */
    static Optional<Path> target(Path dir, String name) throws IngestException, IOException {
        List<String> parts = components(name);
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        Path parent = dir;
        for (String part : parts.subList(0, parts.size() - 1)) {
            parent = parent.resolve(part);
            if (!Files.exists(parent, NOFOLLOW)) {
                Files.createDirectory(parent);
            } else if (!isDirectory(parent)) {
                throw unsafe(name, "its parent '" + dir.relativize(parent) + "' is not a directory (a symlink?)");
            }
        }
        return Optional.of(parent.resolve(parts.getLast()));
    }

    /** Splits a tar name into its components; refuses absolute names and {@code ..}. */
    static List<String> components(String name) throws IngestException {
        if (name.startsWith("/")) {
            throw unsafe(name, "it is an absolute path");
        }
        List<String> parts = new ArrayList<>();
        for (String part : name.split("/")) {
            if (part.equals("..")) {
                throw unsafe(name, "it has a '..' component");
            }
            if (part.indexOf('\0') >= 0) {
                throw unsafe(name, "it contains a NUL character");
            }
            if (!part.isEmpty() && !part.equals(".")) {
                parts.add(part);
            }
        }
        return parts;
    }

    private static Path linkTarget(TarArchiveEntry entry) throws IngestException {
        try {
            return Path.of(entry.getLinkName());
        } catch (InvalidPathException e) {
            throw new IngestException("symlink '" + entry.getName() + "' has an unusable target: " + e.getMessage(), e);
        }
    }

    /** A hardlink's target: an existing non-directory reached through real directories only. */
    private static Path existingLinkTarget(Path dir, TarArchiveEntry entry) throws IngestException {
        List<String> parts = components(entry.getLinkName());
        Path path = dir;
        for (int i = 0; i < parts.size(); i++) {
            path = path.resolve(parts.get(i));
            boolean last = i == parts.size() - 1;
            if (last ? !Files.exists(path, NOFOLLOW) || isDirectory(path) : !isDirectory(path)) {
                throw unsafe(entry.getName(), "its hardlink target '" + entry.getLinkName()
                        + "' is not an earlier non-directory entry of the same layer");
            }
        }
        if (parts.isEmpty()) {
            throw unsafe(entry.getName(), "it is a hardlink to the layer root");
        }
        return path;
    }

    private static boolean isDirectory(Path path) {
        return Files.isDirectory(path, NOFOLLOW);
    }

    /** Removes whatever an earlier entry left at {@code path}: later entries win, as with tar. */
    private static void removeExisting(Path path) throws IOException {
        if (!Files.exists(path, NOFOLLOW)) {
            return;
        }
        if (!isDirectory(path)) {
            Files.delete(path);
            return;
        }
        LocalTree.delete(path);
    }

    private static IngestException unsafe(String name, String why) {
        return new IngestException("refusing tar entry '" + name + "': " + why
                + "; the layer would write outside its directory or is malformed");
    }
}
