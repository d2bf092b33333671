package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Toc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches and parses the TOCs of layers before anyone asks for them, so that when containerd
 * prepares an image's next layer its index is ready: {@link #prefetch} starts, in order and
 * {@link Options#parallelism()} at a time, every listed layer not already held or in flight;
 * {@link #take} hands a layer's index to the one caller that mounts it. The TOC digest a layer
 * must have is not known before its own Prepare, so a prefetched TOC is parsed unverified, its
 * digest computed on the way, and {@link #take} returns it only if that digest is the one the
 * caller expects. Anything else (nothing held, a failed or refused prefetch, a mismatch) makes
 * {@link #take} load and verify the layer itself, exactly as without prefetching: nothing
 * unverified is ever returned, and a failed prefetch only costs its requests.
 *
 * <p>Memory is bounded: parsed TOCs held unclaimed take at most {@link Options#maxBytes()} (by
 * {@link Toc#retainedBytes()} plus the compressed section kept with each; one that would pass it
 * is dropped and none is started while the budget is full), and each is dropped
 * {@link Options#expiry()} after it is ready if nobody took it. In flight, at most {@code parallelism} TOC sections are held as bytes, and one is parsed
 * at a time, in the order they arrive.
 *
 * <p>Thread-safe. Its owner closes it, which stops the fetches in flight and drops what is held.
 */
public final class TocPrefetcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TocPrefetcher.class);

    /**
     * How much to prefetch.
     *
     * @param parallelism layers fetched at once
     * @param maxBytes the most heap that parsed, unclaimed TOCs may hold; 0 turns prefetching off
     * @param expiry how long a TOC ready but unclaimed is kept
     */
    public record Options(int parallelism, long maxBytes, Duration expiry) {
        public Options {
            Objects.requireNonNull(expiry, "expiry");
            if (parallelism < 1 || maxBytes < 0 || !expiry.isPositive()) {
                throw new IllegalArgumentException("bad prefetch options parallelism=" + parallelism + " maxBytes="
                        + maxBytes + " expiry=" + expiry);
            }
        }
    }

    /** Reads one layer's footer and TOC section (in the daemon, from its registry); thread-safe. */
    @FunctionalInterface
    public interface Loader {
        TocBytes load() throws IOException, CorruptLayerException;
    }

    /**
     * A layer to prefetch.
     *
     * @param key names the blob (its registry, repository and digest); {@link #take} finds it by it
     */
    public record Layer(String key, Loader loader) {
        public Layer {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(loader, "loader");
        }
    }

    /** What became of a prefetched TOC, for metrics: a closed set. */
    public enum Outcome {
        /** Taken, its digest the one expected, and mounted without a fetch of its own. */
        USED,
        /** Taken, but its digest is not the one expected: refused, and the layer loaded again. */
        MISMATCHED,
        /** The prefetch failed (not eStargz, unreachable, refused TOC); a take loads the layer itself. */
        FAILED,
        /** Ready but not taken within the expiry: dropped. */
        EXPIRED,
        /** Dropped, or never started, because the held TOCs filled the budget. */
        OVER_BUDGET
    }

    /** Told what became of each prefetch; implementations are thread-safe, fast and never block. */
    public interface Listener {
        /** Tells nobody. */
        Listener NONE = outcome -> { };

        void outcome(Outcome outcome);
    }

    /** One layer's prefetch: queued, in flight, held, or failed (kept until it expires, so it is not tried again). */
    private static final class Entry {
        final Layer layer;
        final CompletableFuture<LayerIndex> result = new CompletableFuture<>();
        /** Set by whoever runs the load: a fetcher thread, or a {@link #take} that finds it still queued. */
        final AtomicBoolean started = new AtomicBoolean();
        volatile Thread runner;
        /** Guarded by the prefetcher: heap held, and when it is dropped (null while in flight). */
        long bytes;
        Instant expires;

        Entry(Layer layer) {
            this.layer = layer;
        }
    }

    private final TocFetcher tocs;
    private final Options options;
    private final InstantSource clock;
    private final Listener listener;
    private final ThreadPoolExecutor fetchers;
    /** One parse at a time, first come first served: the first layers are needed first, and cores are few. */
    private final Semaphore parsing = new Semaphore(1, true);
    private final Map<String, Entry> entries = new HashMap<>(); // guarded by this
    private long heldBytes; // guarded by this
    private boolean closed; // guarded by this

    public TocPrefetcher(TocFetcher tocs, Options options, InstantSource clock, Listener listener) {
        this.tocs = Objects.requireNonNull(tocs, "tocs");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.fetchers = new ThreadPoolExecutor(options.parallelism(), options.parallelism(), 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), Thread.ofVirtual().name("toc-prefetch-", 0).factory());
        this.fetchers.allowCoreThreadTimeOut(true);
    }

    /**
     * Starts fetching, in the order given, each of {@code layers} not already held or in flight,
     * unless the budget is full. Returns at once.
     */
    public void prefetch(List<Layer> layers) {
        synchronized (this) {
            if (closed || options.maxBytes() == 0) {
                return;
            }
            expire();
            for (Layer layer : layers) {
                if (entries.containsKey(layer.key())) {
                    continue;
                }
                if (heldBytes >= options.maxBytes()) {
                    listener.outcome(Outcome.OVER_BUDGET);
                    continue;
                }
                Entry entry = new Entry(layer);
                entries.put(layer.key(), entry);
                fetchers.execute(() -> run(entry));
            }
        }
    }

    /**
     * The index of the layer {@code key}, verified against {@code tocDigest} (unless that is empty,
     * when verification is off): the prefetched one if it is held, or in flight (waited for), and
     * its digest matches; otherwise loaded with {@code loader} and verified now. Either way the
     * prefetched entry is gone afterwards: each index goes to one caller.
     *
     * @throws CorruptLayerException if the layer is not (e)stargz or its footer or TOC is refused
     * @throws IOException if the layer could not be read
     */
    public LayerIndex take(String key, Loader loader, Optional<Digest> tocDigest)
            throws IOException, CorruptLayerException {
        Entry entry;
        synchronized (this) {
            entry = entries.remove(key);
            if (entry != null) {
                heldBytes -= entry.bytes;
            }
        }
        if (entry != null && !entry.started.compareAndSet(false, true)) { // queued only: load it here instead
            Optional<LayerIndex> prefetched = awaitVerified(entry, tocDigest);
            if (prefetched.isPresent()) {
                return prefetched.get();
            }
        }
        try (TocBytes bytes = loader.load()) {
            return new LayerIndex(bytes, tocs.parse(bytes, tocDigest), false);
        }
    }

    /**
     * The longest TOC section a loader of a layer fetched ahead should read: the budget shared by
     * the {@code parallelism} fetches in flight, so that the sections held as bytes at once stay
     * within {@link Options#maxBytes()}. A larger layer is left to its own Prepare.
     */
    public long maxSectionBytes() {
        return options.maxBytes() / options.parallelism();
    }

    /** The entry's index once its fetch ends, if it succeeded and has {@code tocDigest}. */
    private Optional<LayerIndex> awaitVerified(Entry entry, Optional<Digest> tocDigest) throws IOException {
        LayerIndex index;
        try {
            index = entry.result.get();
        } catch (ExecutionException e) {
            return Optional.empty(); // counted as FAILED when it failed
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted waiting for the prefetched TOC of " + entry.layer.key());
        }
        if (tocDigest.isPresent() && !index.toc().digest().equals(tocDigest.get())) {
            LOG.debug("prefetched TOC refused, its digest is not the label's layer={} toc_digest={} label={}",
                    entry.layer.key(), index.toc().digest(), tocDigest.get());
            listener.outcome(Outcome.MISMATCHED);
            return Optional.empty();
        }
        listener.outcome(Outcome.USED);
        return Optional.of(index);
    }

    /** Loads and parses one layer on a fetcher thread, unless a take got to it first. */
    private void run(Entry entry) {
        if (!entry.started.compareAndSet(false, true)) {
            return;
        }
        entry.runner = Thread.currentThread();
        try {
            LayerIndex index;
            try (TocBytes bytes = entry.layer.loader().load()) {
                parsing.acquire();
                try {
                    index = new LayerIndex(bytes, tocs.parse(bytes, Optional.empty()), true);
                } finally {
                    parsing.release();
                }
            }
            hold(entry, index);
        } catch (IOException | CorruptLayerException | RuntimeException | InterruptedException e) {
            LOG.debug("TOC prefetch failed layer={} error=\"{}\"", entry.layer.key(), e.getMessage());
            synchronized (this) {
                if (entries.get(entry.layer.key()) == entry) {
                    entry.expires = clock.instant().plus(options.expiry());
                }
            }
            entry.result.completeExceptionally(e);
            listener.outcome(Outcome.FAILED); // last: whoever sees it sees the entry's expiry set
            scheduleExpiry();
        } finally {
            entry.runner = null;
        }
    }

    /** Keeps a ready index until taken or expired, if the budget allows; then hands it to a waiting take. */
    private void hold(Entry entry, LayerIndex index) {
        synchronized (this) {
            if (entries.get(entry.layer.key()) == entry) { // not taken meanwhile
                long bytes = index.toc().retainedBytes() + index.bytes().section().length; // the section is kept too
                if (heldBytes + bytes > options.maxBytes()) {
                    entries.remove(entry.layer.key());
                    listener.outcome(Outcome.OVER_BUDGET);
                } else {
                    heldBytes += bytes;
                    entry.bytes = bytes;
                    entry.expires = clock.instant().plus(options.expiry());
                }
            }
        }
        entry.result.complete(index);
        scheduleExpiry();
    }

    private void scheduleExpiry() {
        CompletableFuture.delayedExecutor(options.expiry().toMillis() + 50, TimeUnit.MILLISECONDS)
                .execute(this::expire);
    }

    /** Drops what was ready, or failed, longer ago than the expiry. Also runs by itself after each one. */
    public synchronized void expire() {
        Instant now = clock.instant();
        for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
            Entry entry = it.next();
            if (entry.expires != null && !now.isBefore(entry.expires)) {
                it.remove();
                heldBytes -= entry.bytes;
                if (entry.bytes > 0) {
                    listener.outcome(Outcome.EXPIRED);
                }
            }
        }
    }

    /** Parsed TOCs held now, waiting for their layer's take. */
    public synchronized int held() {
        return (int) entries.values().stream().filter(e -> e.bytes > 0).count();
    }

    /** The heap the held TOCs take: {@link Toc#retainedBytes()} and their sections. */
    public synchronized long heldBytes() {
        return heldBytes;
    }

    /** Stops the fetches in flight (their takes load for themselves) and drops everything held. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (Entry entry : entries.values()) {
                Thread runner = entry.runner;
                if (runner != null) {
                    runner.interrupt();
                }
            }
            entries.clear();
            heldBytes = 0;
        }
        fetchers.shutdownNow();
    }
}
