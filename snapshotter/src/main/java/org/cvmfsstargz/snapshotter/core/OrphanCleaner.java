package org.cvmfsstargz.snapshotter.core;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.store.MetaStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes snapshot directories that no stored snapshot owns: those of removed snapshots and
 * leftovers of a crash. Orphans are chosen inside a store transaction (so a snapshot being
 * recorded is never taken for one) and deleted after it. Runs on demand (Cleanup, start-up) and
 * in the background after each Remove, coalescing bursts into one pass. Thread-safe.
 */
final class OrphanCleaner {
    private static final Logger LOG = LoggerFactory.getLogger(OrphanCleaner.class);

    private final MetaStore store;
    private final SnapshotDirectories dirs;
    private final ExecutorService background = Executors.newSingleThreadExecutor(
            Thread.ofVirtual().name("orphan-cleaner").factory());
    private final AtomicBoolean pending = new AtomicBoolean();

    OrphanCleaner(MetaStore store, SnapshotDirectories dirs) {
        this.store = store;
        this.dirs = dirs;
    }

    /** One pass at a time: two passes would both try to delete the same claimed directory. */
    synchronized int cleanNow() {
        List<Path> orphans = store.write(tx -> dirs.claimOrphans(tx.ids()));
        int deleted = dirs.delete(orphans);
        if (deleted > 0) {
            LOG.debug("cleanup deleted={}", deleted);
        }
        return deleted;
    }

    void cleanSoon() {
        if (pending.compareAndSet(false, true)) {
            background.execute(() -> {
                pending.set(false);
                try {
                    cleanNow();
                } catch (RuntimeException e) {
                    LOG.warn("background cleanup failed: {}; the next Cleanup retries", e.toString());
                }
            });
        }
    }

    void close() {
        background.shutdown();
        try {
            background.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
