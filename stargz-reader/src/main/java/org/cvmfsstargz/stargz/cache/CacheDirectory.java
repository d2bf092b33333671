package org.cvmfsstargz.stargz.cache;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;
import static java.nio.file.StandardCopyOption.ATOMIC_MOVE;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.security.auth.module.UnixSystem;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of a {@link DiskChunkCache}: {@code <root>/<shard>/<id>} (see {@link ChunkKey#shard()}),
 * directories {@code 0700} and files {@code 0600} since chunks of private images are private, a
 * {@code CACHEDIR.TAG} (https://bford.info/cachedir/) marking the root as the cache's own, and
 * temporary files named {@code .tmp-*} beside the entries they become. Only these methods touch
 * the directory.
 *
 * <p>Stateless beyond the root path, and thread-safe: every write is a new temporary file renamed
 * into place, so a reader sees a whole entry or none.
 */
final class CacheDirectory {
    /** Bytes per write(2) of an entry: within the JDK's per-thread temporary direct buffer (jvm.options). */
    private static final int WRITE_SLICE = 256 << 10;
    static final String TAG_NAME = "CACHEDIR.TAG";
    static final String TEMP_PREFIX = ".tmp-";
    /** The longest array the JVM reliably allocates; a chunk is far shorter (TocLimits). */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private static final Logger LOG = LoggerFactory.getLogger(CacheDirectory.class);
    private static final String TAG_TEXT = "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This directory is the chunk cache of cvmfs-stargz-snapshotter; its entries are deleted\n"
            + "# as the cache needs. For information about cache directory tags see https://bford.info/cachedir/\n";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(OWNER_ONLY);
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    /** An entry found by {@link #scan}. */
    record Found(ChunkKey key, long size, FileTime modified) {}

    private final Path root;

    private CacheDirectory(Path root) {
        this.root = root;
    }

    /**
     * Makes {@code dir} ready for use: creates it ({@code 0700}) if missing, reuses it if it holds a
     * cache tag, and restricts it to {@code 0700}.
     *
     * @throws IOException if it is not a directory, is owned by another user, or holds files
     *     without a tag (so that a mistyped path never has its files deleted as cache leftovers)
     */
    static CacheDirectory prepare(Path dir) throws IOException {
        Path root = dir.toAbsolutePath().normalize();
        if (!Files.exists(root)) {
            if (root.getParent() != null) {
                Files.createDirectories(root.getParent());
            }
            try {
                Files.createDirectory(root, DIRECTORY_MODE);
            } catch (FileAlreadyExistsException e) {
                // Created meanwhile: checked below like any existing directory.
            }
        }
        if (!Files.isDirectory(root)) {
            throw new IOException("chunk cache " + root + " is not a directory; configure a directory path");
        }
        int owner = (Integer) Files.getAttribute(root, "unix:uid");
        long self = new UnixSystem().getUid();
        if (owner != self) {
            throw new IOException("chunk cache " + root + " is owned by uid " + owner + ", not by this process (uid "
                    + self + "); configure a directory of the user the snapshotter runs as");
        }
        if (!Files.getPosixFilePermissions(root).equals(OWNER_ONLY)) {
            Files.setPosixFilePermissions(root, OWNER_ONLY);
        }
        Path tag = root.resolve(TAG_NAME);
        if (!Files.isRegularFile(tag, NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> existing = Files.newDirectoryStream(root)) {
                if (existing.iterator().hasNext()) {
                    throw new IOException("chunk cache " + root + " holds files but no " + TAG_NAME
                            + ", so it is not a cache directory; configure an empty or new directory");
                }
            }
            Files.writeString(tag, TAG_TEXT);
        }
        return new CacheDirectory(root);
    }

    Path root() {
        return root;
    }

    Path pathOf(ChunkKey key) {
        return root.resolve(key.shard()).resolve(key.id());
    }

    /**
     * The entry's bytes.
     *
     * @throws NoSuchFileException if there is no entry under that name
     * @throws IOException if it cannot be read, is not a regular file (a symbolic link is never
     *     followed), is longer than {@code maxLength} or than an array can be, or changes length
     *     while read
     */
    byte[] read(ChunkKey key, long maxLength) throws IOException {
        Path path = pathOf(key);
        try (SeekableByteChannel channel = Files.newByteChannel(path, Set.of(READ, NOFOLLOW_LINKS))) {
            long size = channel.size();
            if (size > Math.min(maxLength, MAX_ARRAY_LENGTH)) {
                throw new IOException(size + " bytes, more than the cache holds");
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) size);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer) < 0) {
                    throw new EOFException("ended after " + buffer.position() + " of " + size + " bytes");
                }
            }
            return buffer.array();
        }
    }

    /**
     * Reads up to {@code length} bytes of the entry from byte {@code from} into {@code dst}.
     *
     * @return how many bytes were read: fewer than {@code length} only if the file ends first
     * @throws NoSuchFileException if there is no entry under that name
     * @throws IOException if it cannot be read (a symbolic link is never followed)
     */
    int readRange(ChunkKey key, long from, byte[] dst, int dstOffset, int length) throws IOException {
        try (FileChannel channel = FileChannel.open(pathOf(key), READ, NOFOLLOW_LINKS)) {
            ByteBuffer buffer = ByteBuffer.wrap(dst, dstOffset, length);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, from + buffer.position() - dstOffset) < 0) {
                    break;
                }
            }
            return buffer.position() - dstOffset;
        }
    }

    /**
     * Writes {@code bytes}, last modified at {@code modified}, to a new temporary file beside
     * {@code key}'s entry, for {@link #publish}. Not synced: after a power loss an entry may be
     * empty or zeroed, which reading checks catch for keys that state a digest or length.
     *
     * @return the temporary file
     */
    Path stage(ChunkKey key, byte[] bytes, FileTime modified) throws IOException {
        Staging staging = beginStage(key);
        try {
            // In slices: the JDK copies a heap buffer into a direct one as large as each write,
            // and a 4 MiB chunk written at once would cost a 4 MiB native allocation every time.
            for (int at = 0; at < bytes.length; at += WRITE_SLICE) {
                ByteBuffer slice = ByteBuffer.wrap(bytes, at, Math.min(WRITE_SLICE, bytes.length - at));
                while (slice.hasRemaining()) {
                    staging.channel().write(slice);
                }
            }
            finishStage(staging, modified);
            return staging.file();
        } catch (IOException | RuntimeException e) {
            discard(staging);
            throw e;
        }
    }

    /** A temporary file being written, and its open channel. */
    record Staging(Path file, FileChannel channel) {}

    /** A new temporary file beside {@code key}'s entry, open for writing, for {@link #publish} once complete. */
    Staging beginStage(ChunkKey key) throws IOException {
        // Random, not secure-random: the directory is 0700, and CREATE_NEW refuses any name already taken.
        Path temp = pathOf(key).resolveSibling(TEMP_PREFIX + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        return new Staging(temp, createNew(temp));
    }

    /** Closes a staged file and gives it its last-modified time; it is then ready for {@link #publish}. */
    void finishStage(Staging staging, FileTime modified) throws IOException {
        staging.channel().close();
        Files.getFileAttributeView(staging.file(), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                .setTimes(modified, null, null);
    }

    /** Closes and deletes a staged file that will not be published. */
    void discard(Staging staging) {
        try {
            staging.channel().close();
        } catch (IOException e) {
            // Deleted next, which is all that matters.
        }
        deleteQuietly(staging.file());
    }

    /**
     * Renames a file from {@link #stage} to {@code key}'s entry: atomic, so a reader sees the old
     * entry, the new one or none, never part of one, and a crash leaves at most a temporary file
     * (deleted by the next {@link #scan}). Deletes the temporary file if the rename fails.
     */
    void publish(Path staged, ChunkKey key) throws IOException {
        try {
            // rename(2) replaces an entry a concurrent write of the same key put there.
            Files.move(staged, pathOf(key), ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            deleteQuietly(staged);
            throw e;
        }
    }

    /** Sets the entry's last-modified time, which orders entries by use after a restart. */
    void setModified(ChunkKey key, FileTime modified) throws IOException {
        Files.getFileAttributeView(pathOf(key), BasicFileAttributeView.class, NOFOLLOW_LINKS)
                .setTimes(modified, null, null);
    }

    void delete(ChunkKey key) throws IOException {
        Files.deleteIfExists(pathOf(key));
    }

    /**
     * The entries on disk, unordered. Deletes what a crash or someone else left among them:
     * temporary files, and files whose names are not keys of the directory they are in.
     */
    List<Found> scan() throws IOException {
        List<Found> found = new ArrayList<>();
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(root)) {
            for (Path shard : shards) {
                String name = shard.getFileName().toString();
                if (ChunkKey.isShardName(name) && Files.isDirectory(shard, NOFOLLOW_LINKS)) {
                    scanShard(shard, name, found);
                }
            }
        }
        return found;
    }

    private void scanShard(Path shard, String shardName, List<Found> found) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(shard)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                BasicFileAttributes attributes;
                try {
                    attributes = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
                } catch (NoSuchFileException e) {
                    continue;
                }
                Optional<ChunkKey> key = ChunkKey.parse(name).filter(k -> k.shard().equals(shardName));
                if (key.isPresent() && attributes.isRegularFile()) {
                    found.add(new Found(key.get(), attributes.size(), attributes.lastModifiedTime()));
                } else if (name.startsWith(TEMP_PREFIX) && attributes.isRegularFile()) {
                    deleteQuietly(file);
                } else if (!attributes.isDirectory()) {
                    LOG.warn("deleting {} from the chunk cache: not a cache entry", file);
                    deleteQuietly(file);
                }
            }
        }
    }

    private static FileChannel createNew(Path temp) throws IOException {
        Set<OpenOption> options = Set.of(CREATE_NEW, WRITE, NOFOLLOW_LINKS);
        try {
            return FileChannel.open(temp, options, FILE_MODE);
        } catch (NoSuchFileException e) {
            // Shards are created on first use; createDirectories tolerates a concurrent creation.
            Files.createDirectories(temp.getParent(), DIRECTORY_MODE);
            return FileChannel.open(temp, options, FILE_MODE);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("could not delete {} from the chunk cache: {}", file, e.toString());
        }
    }
}
