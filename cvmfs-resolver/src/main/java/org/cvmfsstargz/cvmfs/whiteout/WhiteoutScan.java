package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Walks one layer's {@code layerfs} tree, without following symbolic links, and collects its
 * whiteout and catalog markers into a {@link WhiteoutPlan}. A walk is bounded by a maximum number
 * of entries and, in {@link #scan}, by a deadline on lack of progress: a walk that finds no new
 * entry for that long is abandoned (a CVMFS tree can hang, reference cvmfs.md §4.4), however long
 * it has run, while a slow walk that keeps finding entries goes on. Either limit, or any I/O error
 * inside the tree, ends the scan with an exception rather than a partial plan.
 *
 * <p>Thread-safe; one instance may scan many layers at once. Holds no resources to close; an
 * abandoned walk stops at its next entry (or when a hung call finally returns).
 */
public final class WhiteoutScan {
    private final Duration stall;
    private final long maxEntries;

    /**
     * @param stall      how long {@link #scan} waits without a new entry before abandoning the walk
     * @param maxEntries the most entries a layer may have; a larger one is refused
     */
    public WhiteoutScan(Duration stall, long maxEntries) {
        Objects.requireNonNull(stall, "stall");
        if (stall.isNegative() || stall.isZero()) {
            throw new IllegalArgumentException("scan stall deadline must be positive, got " + stall);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        this.stall = stall;
        this.maxEntries = maxEntries;
    }

    /** How long {@link #scan} waits without a new entry. */
    public Duration stall() {
        return stall;
    }

    /**
     * Scans {@code layerfs} on a platform thread of its own, for as long as it makes progress.
     *
     * @param progress told the number of entries seen so far after each entry, from the walking thread
     * @throws ScanAbortedException no new entry for the stall deadline, or more than maxEntries entries
     * @throws IOException an entry could not be read
     */
    public WhiteoutPlan scan(Path layerfs, LongConsumer progress) throws IOException {
        Objects.requireNonNull(progress, "progress");
        WalkProgress watch = new WalkProgress();
        AtomicBoolean cancelled = new AtomicBoolean();
        CompletableFuture<WhiteoutPlan> result = new CompletableFuture<>();
        // A platform thread, as in DeadlineCalls: a walk stuck in the kernel must not pin a carrier.
        Thread.ofPlatform().daemon().name("whiteout-scan").start(() -> {
            try {
                result.complete(walk(layerfs, cancelled, watch.andThen(progress)));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return watch.await(result, stall, WalkProgress.UNLIMITED, layerfs.toString());
        } catch (IOException | RuntimeException e) {
            cancelled.set(true);
            throw e;
        }
    }

    /**
     * Walks {@code layerfs} on the calling thread, without a deadline (the caller watches
     * {@code progress}, for example with a {@link WalkProgress}); the entry limit holds.
     *
     * @param progress told the number of entries seen so far after each entry
     * @throws ScanAbortedException the tree has more than maxEntries entries
     * @throws IOException an entry could not be read
     */
    public WhiteoutPlan walk(Path layerfs, LongConsumer progress) throws IOException {
        return walk(layerfs, new AtomicBoolean(), Objects.requireNonNull(progress, "progress"));
    }

    private WhiteoutPlan walk(Path layerfs, AtomicBoolean cancelled, LongConsumer progress) throws IOException {
        Walk walk = new Walk(layerfs, cancelled, progress);
        Files.walkFileTree(layerfs, walk);
        if (cancelled.get()) {
            throw new ScanAbortedException("whiteout scan of " + layerfs + " abandoned after " + walk.entries
                    + " entries");
        }
        return WhiteoutPlan.of(walk.markers, walk.directories);
    }

    /** The visitor; its fields are written by the walking thread only. */
    private final class Walk extends SimpleFileVisitor<Path> {
        private final Path root;
        private final AtomicBoolean cancelled;
        private final LongConsumer progress;
        private final List<Path> markers = new ArrayList<>();
        private final Map<Path, DirAttributes> directories = new HashMap<>();
        private long entries;

        Walk(Path root, AtomicBoolean cancelled, LongConsumer progress) {
            this.root = root;
            this.cancelled = cancelled;
            this.progress = progress;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
            count();
            if (dir.equals(root)) {
                directories.put(Path.of(""), read(dir));
            }
            return cancelled.get() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
            count();
            if (!attrs.isDirectory() && WhiteoutPlan.isMarker(file.getFileName().toString())) {
                Path relative = root.relativize(file);
                markers.add(relative);
                for (Path up = relative.getParent(); up != null && !directories.containsKey(up);
                        up = up.getParent()) {
                    directories.put(up, read(root.resolve(up)));
                }
            }
            return cancelled.get() ? FileVisitResult.TERMINATE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
            throw e;
        }

        private void count() throws ScanAbortedException {
            long seen = ++entries;
            if (seen > maxEntries) {
                throw new ScanAbortedException("whiteout scan of " + root + " stopped: more than "
                        + maxEntries + " entries");
            }
            progress.accept(seen);
        }

        private static DirAttributes read(Path dir) throws IOException {
            Map<String, Object> unix = Files.readAttributes(dir, "unix:mode,uid,gid,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            return new DirAttributes((Integer) unix.get("mode") & 07777, (Integer) unix.get("uid"),
                    (Integer) unix.get("gid"), (FileTime) unix.get("lastModifiedTime"));
        }
    }
}
