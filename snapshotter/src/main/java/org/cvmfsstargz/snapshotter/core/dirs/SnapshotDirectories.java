package org.cvmfsstargz.snapshotter.core.dirs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The only class that creates, renames and deletes snapshot directories:
 * {@code <root>/snapshots/<id>/fs} (the snapshot's content, an overlay upper or lower dir) and
 * {@code <root>/snapshots/<id>/work} (overlay's workdir, active snapshots only). All snapshot
 * directories share one parent so that containerd can shorten long overlay options to
 * relative paths.
 *
 * <p>A new snapshot is built under a temporary name ({@code new-*}) and renamed to its id inside
 * the store transaction that records it, so a crash leaves either both or a leftover that
 * {@link #claimOrphans} finds. Thread-safe.
 */
public final class SnapshotDirectories {
    /** The snapshot's content: a directory, a mount point, or a symbolic link to the content. */
    public static final String FS = "fs";
    /**
     * Optional, stacked right above {@code fs}: hides files of the layer itself (a source's
     * marker files). Names are kept short: 128 layers' lower directories share one page.
     */
    public static final String ABOVE = "up";
    /** Optional, stacked right below {@code fs}: the layer's deletions and opaque directories. */
    public static final String BELOW = "dn";
    private static final String STAGING_PREFIX = "new-";
    private static final String REMOVING_PREFIX = "rm-";

    private final Path snapshots;
    private final MountTable mounts;
    private final Set<Path> staging = ConcurrentHashMap.newKeySet();
    private final DirectorySync sync;

    public SnapshotDirectories(Path root, MountTable mounts) {
        this(root, mounts, DirectorySync.FSYNC);
    }

    SnapshotDirectories(Path root, MountTable mounts, DirectorySync sync) {
        this.snapshots = root.toAbsolutePath().normalize().resolve("snapshots");
        this.mounts = mounts;
        this.sync = sync;
        try {
            Files.createDirectories(snapshots);
            Files.setPosixFilePermissions(snapshots, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create snapshot directory " + snapshots, e);
        }
    }

    /** The parent of every snapshot directory. */
    public Path snapshotsDir() {
        return snapshots;
    }

    public Path dir(long id) {
        return snapshots.resolve(Long.toString(id));
    }

    public Path fs(long id) {
        return dir(id).resolve(FS);
    }

    public Path work(long id) {
        return dir(id).resolve("work");
    }

    /**
     * The directories snapshot {@code id} contributes to a child's overlay, top first: its
     * {@code fs}, with {@link #ABOVE} above it and {@link #BELOW} below it when a
     * layer source made them. A source whose layer stores deletions in a form the kernel does not
     * read (DUCC keeps {@code .wh.*} files as plain files) translates them into these two: marker
     * files hidden above, deletions and opaque directories below, where they hide older layers
     * only (see {@code docs/design/remote-layers.md}). Only the snapshot's own directory is looked
     * at, never what {@code fs} may point to.
     */
    public List<Path> layerDirs(long id) {
        List<Path> layers = new ArrayList<>(3);
        Path above = dir(id).resolve(ABOVE);
        if (Files.isDirectory(above, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            layers.add(above);
        }
        layers.add(fs(id));
        Path below = dir(id).resolve(BELOW);
        if (Files.isDirectory(below, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            layers.add(below);
        }
        return layers;
    }

    /** The lower directories of a snapshot whose ancestors are {@code ancestorIds}, nearest first. */
    public List<Path> lowerDirs(List<Long> ancestorIds) {
        return ancestorIds.stream().flatMap(id -> layerDirs(id).stream()).toList();
    }

    /** A snapshot directory built under a temporary name, not yet named by an id. */
    public record Staged(Path path) {}

    /**
     * Builds a new snapshot directory under a temporary name: {@code fs} with mode 0755 (the
     * container's root directory), plus {@code work} when {@code withWorkdir}.
     */
    public Staged stage(boolean withWorkdir) {
        Path path = snapshots.resolve(STAGING_PREFIX + UUID.randomUUID());
        staging.add(path);
        try {
            Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path fs = Files.createDirectory(path.resolve(FS));
            Files.setPosixFilePermissions(fs, PosixFilePermissions.fromString("rwxr-xr-x"));
            if (withWorkdir) {
                Path work = Files.createDirectory(path.resolve("work"));
                Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwx--x--x"));
            }
            sync.sync(path);
            return new Staged(path);
        } catch (IOException e) {
            discard(new Staged(path));
            throw new UncheckedIOException("cannot create snapshot directory under " + snapshots, e);
        }
    }

    /**
     * Names a staged directory by its id, durably. Called inside the store transaction that records
     * the id, so that the rename is on disk before the row is (see {@link DirectorySync}).
     */
    public void install(Staged staged, long id) {
        Path target = dir(id);
        try {
            if (Files.exists(target)) {
                // Left by a transaction that renamed its directory and then rolled back (or a
                // crash): the id was never recorded, so nothing refers to this directory.
                deleteTree(moveAside(target));
            }
            Files.move(staged.path(), target, StandardCopyOption.ATOMIC_MOVE);
            staging.remove(staged.path());
            sync.sync(snapshots);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot rename " + staged.path() + " to " + target, e);
        }
    }

    /** Deletes a staged directory that will not be installed. */
    public void discard(Staged staged) {
        try {
            deleteTree(staged.path());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + staged.path(), e);
        } finally {
            staging.remove(staged.path());
        }
    }

    /**
     * Renames every directory that belongs to no snapshot in {@code liveIds} (removed snapshots,
     * leftovers of a crash) out of the way, skipping any still mounted or being built. Call it
     * inside a store transaction so that no snapshot is recorded meanwhile; then pass the result
     * to {@link #delete}, outside the transaction.
     */
    public List<Path> claimOrphans(Set<Long> liveIds) {
        List<Path> claimed = new ArrayList<>();
        MountTable.Snapshot mounted = mounts.read();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(snapshots)) {
            for (Path entry : entries) {
                if (isOrphan(entry, liveIds) && !mounted.anyUnder(entry)) {
                    claimed.add(entry.getFileName().toString().startsWith(REMOVING_PREFIX) ? entry : moveAside(entry));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + snapshots, e);
        }
        return claimed;
    }

    private boolean isOrphan(Path entry, Set<Long> liveIds) {
        String name = entry.getFileName().toString();
        if (name.startsWith(STAGING_PREFIX)) {
            return !staging.contains(entry);
        }
        if (name.startsWith(REMOVING_PREFIX)) {
            return true;
        }
        try {
            return !liveIds.contains(Long.parseLong(name));
        } catch (NumberFormatException e) {
            return false; // not ours: leave it alone
        }
    }

    /** Deletes directories returned by {@link #claimOrphans}; returns how many are gone. */
    public int delete(List<Path> claimed) {
        int deleted = 0;
        for (Path path : claimed) {
            try {
                deleteTree(path);
                deleted++;
            } catch (IOException e) {
                // Left for the next cleanup; the snapshot itself is already gone from the store.
                org.slf4j.LoggerFactory.getLogger(SnapshotDirectories.class)
                        .warn("cannot delete {}: {}; will retry at the next cleanup", path, e.toString());
            }
        }
        return deleted;
    }

    private Path moveAside(Path path) throws IOException {
        Path aside = snapshots.resolve(REMOVING_PREFIX + path.getFileName() + "-" + UUID.randomUUID());
        return Files.move(path, aside, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a tree without following symbolic links and without crossing into mounts. */
    private void deleteTree(Path path) throws IOException {
        if (!Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (mounts.anyUnder(path)) {
            throw new IOException(path + " has a mount under it");
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                // A container may have left an unwritable directory: make it deletable.
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                if (e != null) {
                    throw e;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
