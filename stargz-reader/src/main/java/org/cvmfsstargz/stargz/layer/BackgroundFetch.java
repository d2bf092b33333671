package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches a mounted layer ahead of its reads, on one virtual thread: first the prioritized range
 * its {@code .prefetch.landmark} marks (the files a workload read first when the image was
 * optimised), then, when enabled, every other chunk, in blob order. The second phase yields to
 * reads: it waits while any read of the layer is being answered and for a short quiet time after,
 * and at most {@code permits} layers of the daemon fetch in the background at once.
 *
 * <p>Thread-safe. The owner of the mount closes it (before unmounting), which stops the thread.
 */
public final class BackgroundFetch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundFetch.class);
    private static final Duration PAUSE = Duration.ofMillis(50);

    /**
     * @param prefetch whether to fetch the landmark's prioritized range at mount
     * @param background whether to fetch the rest of the layer afterwards
     * @param batchBytes roughly how many compressed bytes one request fetches
     * @param quietTime how long after a read the background phase waits before its next request
     */
    public record Options(boolean prefetch, boolean background, int batchBytes, Duration quietTime) {
        public Options {
            Objects.requireNonNull(quietTime, "quietTime");
            if (batchBytes <= 0) {
                throw new IllegalArgumentException("batchBytes must be positive, got " + batchBytes);
            }
        }
    }

    private final LayerReader reader;
    private final Options options;
    private final Semaphore backgroundPermits;
    private final String layer;
    private final CompletableFuture<Void> prefetched = new CompletableFuture<>();
    private volatile Thread thread;

    /**
     * @param backgroundPermits shared by every layer of the daemon: how many fetch in the background at once
     * @param layer names the layer in logs
     */
    public BackgroundFetch(LayerReader reader, Options options, Semaphore backgroundPermits, String layer) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.options = Objects.requireNonNull(options, "options");
        this.backgroundPermits = Objects.requireNonNull(backgroundPermits, "backgroundPermits");
        this.layer = Objects.requireNonNull(layer, "layer");
    }

    /** Starts the thread; a no-op when neither phase is enabled. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = Thread.ofVirtual().name("fetch-" + layer).start(this::run);
    }

    /** Completes when the prioritized range is cached (or prefetch ended without it: disabled, failed, closed). */
    public CompletableFuture<Void> prefetched() {
        return prefetched;
    }

    @Override
    public void close() {
        Thread running = thread;
        if (running != null) {
            running.interrupt();
        }
        prefetched.complete(null);
    }

    private void run() {
        Toc toc = reader.toc();
        long started = System.nanoTime();
        if (options.prefetch() && toc.prefetch() instanceof Prefetch.UpTo upTo) {
            try {
                int fetched = fetchChunks(toc, upTo.end(), false);
                LOG.info("prefetch done layer={} chunks={} ms={}", layer, fetched,
                        (System.nanoTime() - started) / 1_000_000);
            } catch (IOException e) {
                LOG.warn("prefetch failed layer={} error=\"{}\"; files are fetched when read", layer, e.getMessage());
            } catch (InterruptedException e) {
                return;
            } finally {
                prefetched.complete(null);
            }
        }
        prefetched.complete(null);
        if (!options.background()) {
            return;
        }
        try {
            backgroundPermits.acquire();
        } catch (InterruptedException e) {
            return;
        }
        try {
            long backgroundStarted = System.nanoTime();
            int fetched = fetchChunks(toc, Long.MAX_VALUE, true);
            LOG.info("background fetch done layer={} chunks={} ms={}", layer, fetched,
                    (System.nanoTime() - backgroundStarted) / 1_000_000);
        } catch (IOException e) {
            LOG.warn("background fetch stopped layer={} error=\"{}\"; files are fetched when read", layer,
                    e.getMessage());
        } catch (InterruptedException e) {
            // closed: the layer is being unmounted
        } finally {
            backgroundPermits.release();
        }
    }

    /** Fetches, in blob order and in batches, every chunk starting before {@code end}; returns how many were missing. */
    private int fetchChunks(Toc toc, long end, boolean yieldToReads) throws IOException, InterruptedException {
        int fetched = 0;
        List<FileChunk> batch = new ArrayList<>();
        long batchBytes = 0;
        for (long inode = Toc.ROOT_INODE; inode <= toc.nameCount(); inode++) {
            TocEntry file = toc.entry(inode).filter(e -> e.type() == EntryType.REG && e.size() > 0).orElse(null);
            if (file == null) {
                continue;
            }
            for (Chunk chunk : toc.chunks(inode)) {
                if (chunk.offset() >= end) {
                    return fetched + flush(batch, yieldToReads);
                }
                batch.add(new FileChunk(file, chunk));
                batchBytes += FetchPlan.fetchLength(chunk);
                if (batchBytes >= options.batchBytes()) {
                    fetched += flush(batch, yieldToReads);
                    batch.clear();
                    batchBytes = 0;
                }
            }
        }
        return fetched + flush(batch, yieldToReads);
    }

    private int flush(List<FileChunk> batch, boolean yieldToReads) throws IOException, InterruptedException {
        if (batch.isEmpty()) {
            return 0;
        }
        if (yieldToReads) {
            awaitQuiet();
        }
        if (Thread.interrupted()) {
            throw new InterruptedException();
        }
        // The background phase is the one that yields to reads; the prefetch phase is what reads wait for.
        return reader.fetch(List.copyOf(batch), yieldToReads ? FetchPurpose.BACKGROUND : FetchPurpose.PREFETCH);
    }

    private void awaitQuiet() throws InterruptedException {
        while (reader.activeReads() > 0 || System.nanoTime() - reader.lastReadNanos() < options.quietTime().toNanos()) {
            Thread.sleep(PAUSE);
        }
    }
}
