package org.cvmfsstargz.stargz.cache;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.cvmfsstargz.stargz.format.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The disk tier: one file per entry in a directory of its own, at most {@code maxBytes} of
 * entries, least recently used evicted first, kept across restarts. Layout
 * {@code <dir>/<two characters of the hash>/<key id>}, plus a {@code CACHEDIR.TAG}.
 *
 * <p><b>Index.</b> Which entries exist, their lengths and their LRU order are kept in memory, so a
 * miss costs no system call and eviction no directory walk. That costs about 200 bytes of heap per
 * entry (the key, its length, a map node), independent of layer sizes; a bound of 10 GiB filled
 * with 64 KiB chunks is 160,000 entries, about 32 MiB. {@link #open} rebuilds the index by listing
 * the directory, ordering entries by last-modified time, which every write and disk hit sets.
 *
 * <p><b>Integrity.</b> An entry appears by renaming a complete temporary file, so readers never
 * see part of one. Bytes read back are checked before they are returned: content-addressed entries
 * must hash to their key's digest, legacy ones must have the length their key states. An entry
 * that fails, or cannot be read, is deleted and reported as a miss, with a warning naming the file.
 *
 * <p><b>Concurrency.</b> Thread-safe. The index has a lock, held for map updates only; reads,
 * writes and deletions happen outside it. An eviction racing a read is harmless: the reader either
 * misses or reads the whole file through its open descriptor (on Linux a deleted file stays
 * readable while open). Concurrent writes of one key each rename a complete file; the last wins.
 * A lock per key (striped, never global) orders a write's rename and index update against the
 * deletion of an evicted or broken entry of the same name, so a deletion never removes a file a
 * concurrent write has just put in place and recorded.
 * The room a write needs is reserved before it starts, so concurrent writes together stay within
 * the bound; files on disk exceed it only until the evictions just decided are deleted, or when
 * more bytes are being written at once than the bound holds.
 *
 * <p>The opener closes it; closing releases nothing on disk (no descriptors are kept open) and
 * leaves the entries for the next run.
 */
public final class DiskChunkCache implements ChunkCache {
    private static final Logger LOG = LoggerFactory.getLogger(DiskChunkCache.class);

    private final CacheDirectory directory;
    private final DiskIndex index;
    private final long maxBytes;
    /** Last-modified times handed out, in microseconds: strictly increasing, so the LRU order survives restarts exactly. */
    private final AtomicLong clockMicros;
    private final ThrottledLog ioWarnings = new ThrottledLog(LOG, Duration.ofMinutes(1));
    private final ThrottledLog corruptionWarnings = new ThrottledLog(LOG, Duration.ofSeconds(1));
    private final LongAdder hits = new LongAdder();
    /**
     * Ranged reads set an entry's file time (its place in the LRU order after a restart) at most this
     * often: a FUSE read of 128 KiB would otherwise cost a metadata write.
     */
    private static final long TOUCH_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);
    private final LongAdder misses = new LongAdder();
    private final LongAdder errors = new LongAdder();
    /** Per-key locks: held for a rename and its index update, or for a deletion; never for reads or writes of bytes. */
    private final Object[] stripes = new Object[64];
    private volatile boolean closed;

    private DiskChunkCache(CacheDirectory directory, DiskIndex index, long maxBytes, long latestMicros) {
        this.directory = directory;
        this.index = index;
        this.maxBytes = maxBytes;
        this.clockMicros = new AtomicLong(latestMicros);
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = new Object();
        }
    }

    /**
     * Opens the cache in {@code dir}, creating the directory if needed or reusing one a previous
     * run left, and evicts down to {@code maxBytes} if it holds more (the bound was lowered).
     * Leftover temporary files are deleted.
     *
     * @param maxBytes the most bytes of entries kept; an entry larger than that is never stored
     * @throws IOException if {@code dir} cannot be created or listed, is owned by another user, or
     *     holds files but is not a cache directory (it has no {@code CACHEDIR.TAG})
     */
    public static DiskChunkCache open(Path dir, long maxBytes) throws IOException {
        Objects.requireNonNull(dir, "dir");
        if (maxBytes < 0) {
            throw new IllegalArgumentException("disk cache bound must not be negative, got " + maxBytes);
        }
        CacheDirectory directory = CacheDirectory.prepare(dir);
        List<CacheDirectory.Found> found = directory.scan();
        found.sort(Comparator.comparing(CacheDirectory.Found::modified).thenComparing(f -> f.key().id()));
        DiskIndex index = new DiskIndex(maxBytes);
        found.forEach(f -> index.load(f.key(), f.size()));
        long latest = found.isEmpty() ? 0 : found.getLast().modified().to(TimeUnit.MICROSECONDS);
        DiskChunkCache cache = new DiskChunkCache(directory, index, maxBytes, latest);
        cache.deleteEvicted(index.evictToBound());
        TierStats stats = index.stats(0);
        LOG.info("chunk cache {}: {} entries, {} of at most {} bytes", directory.root(), stats.entries(),
                stats.bytes(), maxBytes);
        return cache;
    }

    @Override
    public Optional<byte[]> get(ChunkKey key) {
        Objects.requireNonNull(key, "key");
        Optional<DiskIndex.Slot> slot = closed ? Optional.empty() : index.lookup(key);
        if (slot.isEmpty()) {
            misses.increment();
            return Optional.empty();
        }
        try {
            byte[] bytes = directory.read(key, maxBytes);
            Optional<String> problem = check(key, bytes);
            if (problem.isPresent()) {
                drop(key, slot.get());
                corruptionWarnings.warn("deleted chunk cache entry " + directory.pathOf(key) + ": " + problem.get()
                        + " (disk corruption, or the file was changed); the chunk will be fetched again");
                return miss(true);
            }
            slot.get().verified = true;
            slot.get().touchedNanos = System.nanoTime();
            touchFile(key);
            hits.increment();
            return Optional.of(bytes);
        } catch (NoSuchFileException e) {
            // Evicted since the lookup, or deleted by someone else: forget it unless rewritten meanwhile.
            index.remove(key, slot.get());
            return miss(false);
        } catch (IOException e) {
            drop(key, slot.get());
            ioWarnings.warn("deleted chunk cache entry " + directory.pathOf(key) + ", which could not be read: " + e);
            return miss(true);
        }
    }

    /**
     * Reads the range straight from the entry's file, without reading the rest of the chunk:
     * an entry this run wrote, or has already read whole and checked, is trusted; one an earlier
     * run left is read whole and checked ({@link #get}) the first time.
     */
    @Override
    public boolean read(ChunkKey key, long from, byte[] dst, int dstOffset, int length) {
        Objects.requireNonNull(key, "key");
        Objects.checkFromIndexSize(dstOffset, length, dst.length);
        Optional<DiskIndex.Slot> slot = closed ? Optional.empty() : index.lookup(key);
        if (slot.isEmpty() || from < 0 || from + length > slot.get().size) {
            miss(false);
            return false;
        }
        if (!slot.get().verified) {
            Optional<byte[]> whole = get(key);
            whole.ifPresent(bytes -> System.arraycopy(bytes, (int) from, dst, dstOffset, length));
            return whole.isPresent();
        }
        try {
            int read = directory.readRange(key, from, dst, dstOffset, length);
            if (read != length) {
                drop(key, slot.get());
                corruptionWarnings.warn("deleted chunk cache entry " + directory.pathOf(key) + ": it ends before"
                        + " byte " + (from + length) + " of its " + slot.get().size + " (the file was changed);"
                        + " the chunk will be fetched again");
                miss(true);
                return false;
            }
        } catch (NoSuchFileException e) {
            index.remove(key, slot.get());
            miss(false);
            return false;
        } catch (IOException e) {
            drop(key, slot.get());
            ioWarnings.warn("deleted chunk cache entry " + directory.pathOf(key) + ", which could not be read: " + e);
            miss(true);
            return false;
        }
        if (System.nanoTime() - slot.get().touchedNanos > TOUCH_INTERVAL_NANOS) {
            slot.get().touchedNanos = System.nanoTime();
            touchFile(key);
        }
        hits.increment();
        return true;
    }

    @Override
    public boolean contains(ChunkKey key) {
        Objects.requireNonNull(key, "key");
        return !closed && index.contains(key);
    }

    @Override
    public void put(ChunkKey key, byte[] verifiedBytes) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(verifiedBytes, "verifiedBytes");
        long size = verifiedBytes.length;
        if (closed || size > maxBytes) {
            return;
        }
        if (index.touch(key)) {
            // Same key, same bytes: another read fetched the chunk too.
            return;
        }
        deleteEvicted(index.reserve(size));
        boolean committed = false;
        try {
            Path staged = directory.stage(key, verifiedBytes, tick());
            List<ChunkKey> evicted;
            synchronized (stripe(key)) {
                directory.publish(staged, key);
                evicted = index.commit(key, size);
            }
            committed = true;
            deleteEvicted(evicted);
        } catch (IOException e) {
            storeFailed(key, e);
        } finally {
            if (!committed) {
                index.cancel(size);
            }
        }
    }

    /** A sink into a new entry file, when the chunk fits the bound and is not held already. */
    @Override
    public Optional<ChunkSink> sink(ChunkKey key, long size) {
        Objects.requireNonNull(key, "key");
        if (closed || size < 0 || size > maxBytes || index.touch(key)) {
            return Optional.empty();
        }
        deleteEvicted(index.reserve(size));
        try {
            return Optional.of(new DiskChunkSink(this, key, size, directory.beginStage(key)));
        } catch (IOException e) {
            index.cancel(size);
            storeFailed(key, e);
            return Optional.empty();
        }
    }

    /** Publishes a sink's file, written with {@code size} verified bytes, as {@code key}'s entry. */
    void commit(ChunkKey key, long size, CacheDirectory.Staging staging) throws IOException {
        try {
            directory.finishStage(staging, tick());
            List<ChunkKey> evicted;
            synchronized (stripe(key)) {
                directory.publish(staging.file(), key);
                evicted = index.commit(key, size);
            }
            deleteEvicted(evicted);
        } catch (IOException e) {
            abandon(size, staging);
            storeFailed(key, e);
            throw e;
        }
    }

    /** Deletes a sink's file and releases its room. */
    void abandon(long size, CacheDirectory.Staging staging) {
        directory.discard(staging);
        index.cancel(size);
    }

    private void storeFailed(ChunkKey key, IOException e) {
        errors.increment();
        ioWarnings.warn("could not store a chunk in the cache at " + directory.pathOf(key) + ": " + e
                + "; reads fetch it again (further failures are logged at most once a minute)");
    }

    @Override
    public void touch(ChunkKey key) {
        index.touch(Objects.requireNonNull(key, "key"));
    }

    @Override
    public CacheStats stats() {
        return new CacheStats(TierStats.NONE, index.stats(hits.sum()), misses.sum(), errors.sum());
    }

    @Override
    public void close() {
        closed = true;
    }

    /** Why {@code bytes} read back under {@code key} cannot be served, if they cannot. */
    private static Optional<String> check(ChunkKey key, byte[] bytes) {
        Optional<Digest> expected = key.contentDigest();
        if (expected.isPresent()) {
            Digest actual = Digest.sha256(bytes);
            return actual.equals(expected.get()) ? Optional.empty()
                    : Optional.of("its " + bytes.length + " bytes hash to " + actual + ", not to " + expected.get());
        }
        var declared = key.declaredSize();
        if (declared.isPresent() && declared.getAsLong() != bytes.length) {
            return Optional.of("it holds " + bytes.length + " bytes, its name says " + declared.getAsLong());
        }
        return Optional.empty();
    }

    /** Forgets and deletes a broken entry, unless a newer write has replaced it. */
    private void drop(ChunkKey key, DiskIndex.Slot slot) {
        if (index.remove(key, slot)) {
            deleteEvicted(List.of(key));
        }
    }

    private Optional<byte[]> miss(boolean failed) {
        misses.increment();
        if (failed) {
            errors.increment();
        }
        return Optional.empty();
    }

    /** Records the use on disk, for the LRU order after a restart; a failure only costs that. */
    private void touchFile(ChunkKey key) {
        try {
            directory.setModified(key, tick());
        } catch (IOException e) {
            LOG.debug("could not set the time of chunk cache entry {}: {}", key, e.toString());
        }
    }

    /** Deletes the files of entries the index has dropped, unless a write has recorded them again since. */
    private void deleteEvicted(List<ChunkKey> keys) {
        for (ChunkKey key : keys) {
            synchronized (stripe(key)) {
                if (index.contains(key)) {
                    continue;
                }
                try {
                    directory.delete(key);
                } catch (IOException e) {
                    errors.increment();
                    ioWarnings.warn("could not delete chunk cache entry " + directory.pathOf(key) + ": " + e);
                }
            }
        }
    }

    private Object stripe(ChunkKey key) {
        int hash = key.hashCode();
        return stripes[Math.floorMod(hash ^ (hash >>> 16), stripes.length)];
    }

    private FileTime tick() {
        long now = TimeUnit.MILLISECONDS.toMicros(System.currentTimeMillis());
        return FileTime.from(clockMicros.updateAndGet(last -> Math.max(last + 1, now)), TimeUnit.MICROSECONDS);
    }
}
