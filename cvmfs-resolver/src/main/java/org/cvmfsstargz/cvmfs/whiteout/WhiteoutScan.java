package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.io.InterruptedIOException;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongConsumer;

/**
 * Walks one layer's {@code layerfs} tree, without following symbolic links, and collects its
 * whiteout and catalog markers into a {@link WhiteoutPlan}. The walk runs on a platform thread
 * and is bounded twice: by an overall deadline (a CVMFS tree can hang or crawl, reference
 * cvmfs.md §4.4) and by a maximum number of entries. Either limit, or any I/O error inside the
 * tree, ends the scan with an exception rather than a partial plan.
 *
 * <p>Thread-safe; one instance may scan many layers at once. Holds no resources to close; a walk
 * that passed its deadline stops at its next entry (or when a hung call finally returns).
 */
public final class WhiteoutScan {
    /** Progress is reported after this many entries, and once at the end. */
    static final int PROGRESS_EVERY = 1000;

    private final Duration deadline;
    private final long maxEntries;

    public WhiteoutScan(Duration deadline, long maxEntries) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("scan deadline must be positive, got " + deadline);
        }
        if (maxEntries <= 0) {
            throw new IllegalArgumentException("maxEntries must be positive, got " + maxEntries);
        }
        this.deadline = deadline;
        this.maxEntries = maxEntries;
    }

    public Duration deadline() {
        return deadline;
    }

    /**
     * Scans {@code layerfs}.
     *
     * @param progress told the number of entries seen so far, from the walking thread
     * @throws ScanAbortedException the deadline passed or the tree has more than maxEntries entries
     * @throws IOException an entry could not be read
     */
    public WhiteoutPlan scan(Path layerfs, LongConsumer progress) throws IOException {
        Objects.requireNonNull(progress, "progress");
        AtomicBoolean cancelled = new AtomicBoolean();
        Walk walk = new Walk(layerfs, cancelled, progress);
        CompletableFuture<WhiteoutPlan> result = new CompletableFuture<>();
        // A platform thread, as in DeadlineCalls: a walk stuck in the kernel must not pin a carrier.
        Thread.ofPlatform().daemon().name("whiteout-scan").start(() -> {
            try {
                Files.walkFileTree(layerfs, walk);
                progress.accept(walk.entries);
                result.complete(WhiteoutPlan.of(walk.markers, walk.directories));
            } catch (Throwable t) {
                result.completeExceptionally(t);
            }
        });
        try {
            return result.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            cancelled.set(true);
            throw new ScanAbortedException("whiteout scan of " + layerfs + " passed its deadline of "
                    + deadline.toMillis() + " ms after " + walk.entries + " entries");
        } catch (InterruptedException e) {
            cancelled.set(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while scanning " + layerfs);
        } catch (ExecutionException e) {
            throw switch (e.getCause()) {
                case IOException io -> io;
                case RuntimeException re -> throw re;
                case Error err -> throw err;
                default -> new IOException("whiteout scan of " + layerfs + " failed", e.getCause());
            };
        }
    }

    /**
     * Walks {@code layerfs} on the calling thread, without a deadline (the caller runs it under
     * one, for example {@link org.cvmfsstargz.cvmfs.probe.DeadlineCalls}); the entry limit holds.
     *
     * @throws ScanAbortedException the tree has more than maxEntries entries
     * @throws IOException an entry could not be read
     */
    public WhiteoutPlan walk(Path layerfs, LongConsumer progress) throws IOException {
        Objects.requireNonNull(progress, "progress");
        Walk walk = new Walk(layerfs, new AtomicBoolean(), progress);
        Files.walkFileTree(layerfs, walk);
        progress.accept(walk.entries);
        return WhiteoutPlan.of(walk.markers, walk.directories);
    }

    /** The visitor; its fields are written by the walking thread only. */
    private final class Walk extends SimpleFileVisitor<Path> {
        private final Path root;
        private final AtomicBoolean cancelled;
        private final LongConsumer progress;
        private final List<Path> markers = new ArrayList<>();
        private final Map<Path, DirAttributes> directories = new HashMap<>();
        private volatile long entries;

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
            if (seen % PROGRESS_EVERY == 0) {
                progress.accept(seen);
            }
        }

        private static DirAttributes read(Path dir) throws IOException {
            Map<String, Object> unix = Files.readAttributes(dir, "unix:mode,uid,gid,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            return new DirAttributes((Integer) unix.get("mode") & 07777, (Integer) unix.get("uid"),
                    (Integer) unix.get("gid"), (FileTime) unix.get("lastModifiedTime"));
        }
    }
}
