package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;

/**
 * Whiteout plans kept on local disk, one {@link WhiteoutIndex} file per layer digest
 * ({@code <dir>/<hex>}): a layer on CVMFS never changes under its digest, so its markers need
 * reading once per node, not once per daemon start. Files are written atomically (a temporary
 * sibling, fsync, rename, fsync of the directory), so a crash leaves the old file, the new one or
 * none, and are checked like any index when read: a corrupt, truncated, foreign-version or
 * mismatching file is refused, deleted, and reported, never used.
 *
 * <p>The directory holds at most {@code maxEntries} files: past it, the least recently used (by
 * modification time, which a hit refreshes) are deleted down to nine tenths of the bound. A file
 * is a few hundred bytes for a typical layer (one disk block).
 *
 * <p>Thread-safe; several daemons must not share a directory (the daemon's root lock sees to it).
 * Holds no open resources.
 */
public final class DiskPlanCache {
    /** What {@link #get} found. */
    public sealed interface Lookup {
        /** A valid plan for the layer. */
        record Hit(WhiteoutPlan plan) implements Lookup {
            public Hit {
                Objects.requireNonNull(plan, "plan");
            }
        }

        /** No file for the layer (or the cache is off). */
        record Miss() implements Lookup {}

        /** A file was there but refused (and deleted); {@code reason} says why. */
        record Refused(Path file, String reason) implements Lookup {
            public Refused {
                Objects.requireNonNull(file, "file");
                Objects.requireNonNull(reason, "reason");
            }
        }
    }

    private static final Pattern ENTRY = Pattern.compile("[0-9a-f]{64}");
    private static final String TEMP_MARK = ".tmp-";

    private final Optional<Path> dir;
    private final int maxEntries;
    private final AtomicInteger entries;
    private final Object evicting = new Object();

    private DiskPlanCache(Optional<Path> dir, int maxEntries, int entries) {
        this.dir = dir;
        this.maxEntries = maxEntries;
        this.entries = new AtomicInteger(entries);
    }

    /**
     * Opens (creating it if missing) the cache in {@code dir}, deleting the temporary files an
     * interrupted write left; {@code maxEntries == 0} turns the cache off.
     */
    public static DiskPlanCache open(Path dir, int maxEntries) throws IOException {
        if (maxEntries < 0) {
            throw new IllegalArgumentException("maxEntries must not be negative, got " + maxEntries);
        }
        if (maxEntries == 0) {
            return none();
        }
        Files.createDirectories(dir);
        int count = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (name.startsWith(".") && name.contains(TEMP_MARK)) {
                    Files.deleteIfExists(file);
                } else if (ENTRY.matcher(name).matches()) {
                    count++;
                }
            }
        }
        DiskPlanCache cache = new DiskPlanCache(Optional.of(dir), maxEntries, count);
        cache.evictIfFull();
        return cache;
    }

    /** A cache that keeps nothing. */
    public static DiskPlanCache none() {
        return new DiskPlanCache(Optional.empty(), 0, 0);
    }

    /** The plan kept for {@code digest}, if a valid one is; refreshes its place in the LRU order. */
    public Lookup get(LayerDigest digest) {
        if (dir.isEmpty()) {
            return new Lookup.Miss();
        }
        Path file = dir.get().resolve(digest.hex());
        byte[] content;
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            content = in.readNBytes(WhiteoutIndex.MAX_BYTES + 1);
        } catch (NoSuchFileException e) {
            return new Lookup.Miss();
        } catch (IOException e) {
            return refuse(file, "cannot be read: " + e);
        }
        try {
            WhiteoutPlan plan = WhiteoutIndex.decode(content, digest, file.toString());
            touch(file);
            return new Lookup.Hit(plan);
        } catch (CorruptIndexException e) {
            return refuse(file, e.getMessage());
        }
    }

    /**
     * Keeps {@code plan} for {@code digest}, replacing any earlier file atomically. A plan too
     * large for an index ({@link WhiteoutIndex#encode}) is not kept.
     *
     * @return whether the plan was written
     */
    public boolean put(LayerDigest digest, WhiteoutPlan plan) throws IOException {
        if (dir.isEmpty()) {
            return false;
        }
        Optional<byte[]> index = WhiteoutIndex.encode(digest, plan);
        if (index.isEmpty()) {
            return false;
        }
        Path file = dir.get().resolve(digest.hex());
        Path temp = Files.createTempFile(dir.get(), "." + digest.hex() + TEMP_MARK, "");
        try {
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer bytes = ByteBuffer.wrap(index.get());
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            boolean existed = Files.exists(file, LinkOption.NOFOLLOW_LINKS);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory();
            if (!existed) {
                entries.incrementAndGet();
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        evictIfFull();
        return true;
    }

    /** Files kept now (as counted since open). */
    public int size() {
        return entries.get();
    }

    private Lookup refuse(Path file, String reason) {
        try {
            if (Files.deleteIfExists(file)) {
                entries.decrementAndGet();
            }
        } catch (IOException e) {
            // Refused all the same; the next put replaces it.
        }
        return new Lookup.Refused(file, reason);
    }

    private static void touch(Path file) {
        try {
            Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
        } catch (IOException e) {
            // Only the LRU order suffers.
        }
    }

    private void syncDirectory() throws IOException {
        try (FileChannel directory = FileChannel.open(dir.orElseThrow(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    private void evictIfFull() throws IOException {
        if (entries.get() <= maxEntries) {
            return;
        }
        synchronized (evicting) {
            List<Aged> files = new ArrayList<>();
            try (DirectoryStream<Path> all = Files.newDirectoryStream(dir.orElseThrow(),
                    p -> ENTRY.matcher(p.getFileName().toString()).matches())) {
                all.forEach(file -> files.add(new Aged(file, modified(file))));
            }
            if (files.size() <= maxEntries) {
                entries.set(files.size());
                return;
            }
            files.sort(Comparator.comparing(Aged::modified));
            int keep = Math.max(1, maxEntries * 9 / 10);
            int removed = 0;
            for (Aged file : files.subList(0, files.size() - keep)) {
                if (Files.deleteIfExists(file.path())) {
                    removed++;
                }
            }
            entries.set(files.size() - removed);
        }
    }

    private record Aged(Path path, FileTime modified) {}

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }
}
