package org.cvmfsstargz.cvmfs.whiteout;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;

/**
 * When a walk of a layer's tree last found an entry, and a wait for its result that gives up on
 * lack of progress rather than on total time: on a cold CVMFS cache a large layer may take
 * minutes to walk while every step is short, whereas a hung CVMFS client makes no step at all
 * (reference cvmfs.md §4.4). The walking thread reports each entry ({@link #accept}); any
 * number of threads may {@link #await} the walk's result, each with its own limits.
 *
 * <p>Thread-safe.
 */
public final class WalkProgress implements LongConsumer {
    /** A total wait without limit, for {@link #await}. */
    public static final Duration UNLIMITED = Duration.ofNanos(Long.MAX_VALUE);

    private volatile long lastNanos = System.nanoTime();
    private volatile long entries;

    /** Records that the walk has now seen {@code seen} entries. */
    @Override
    public void accept(long seen) {
        entries = seen;
        lastNanos = System.nanoTime();
    }

    /** Records progress without a new count (the walk moved on to another step). */
    public void touch() {
        lastNanos = System.nanoTime();
    }

    /** Entries seen so far. */
    public long entries() {
        return entries;
    }

    /** How long since the last progress (or since this object was made). */
    public Duration idle() {
        return Duration.ofNanos(System.nanoTime() - lastNanos);
    }

    /**
     * Waits for {@code result} while the walk makes progress: gives up once nothing has happened
     * for {@code stall}, or once {@code total} has passed since this call began. Giving up does
     * not stop the walk; the caller decides whether to.
     *
     * @param what names the walk in messages (the layer's path)
     * @throws ScanAbortedException the wait gave up; the message says why
     * @throws InterruptedIOException interrupted (flag restored)
     * @throws IOException what the walk failed with
     */
    public <T> T await(CompletableFuture<T> result, Duration stall, Duration total, String what) throws IOException {
        Objects.requireNonNull(result, "result");
        long stallNanos = nanos(stall);
        long giveUp = System.nanoTime() + nanos(total); // may wrap: compared by difference only
        while (true) {
            long now = System.nanoTime();
            long quiet = now - lastNanos;
            if (quiet >= stallNanos && !result.isDone()) {
                throw new ScanAbortedException("whiteout scan of " + what + " stalled: no new entry for "
                        + Duration.ofNanos(quiet).toMillis() + " ms (limit " + stall.toMillis() + " ms) after "
                        + entries + " entries");
            }
            if (now - giveUp >= 0 && !result.isDone()) {
                throw new ScanAbortedException("whiteout scan of " + what + " not done within " + total.toMillis()
                        + " ms (" + entries + " entries so far, still progressing)");
            }
            try {
                return result.get(Math.clamp(Math.min(stallNanos - quiet, giveUp - now), 1, Long.MAX_VALUE),
                        TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                // Look again: progress since may have moved the stall limit.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for the whiteout scan of " + what);
            } catch (ExecutionException e) {
                throw switch (e.getCause()) {
                    case IOException io -> io;
                    case RuntimeException re -> throw re;
                    case Error err -> throw err;
                    default -> new IOException("whiteout scan of " + what + " failed", e.getCause());
                };
            }
        }
    }

    private static long nanos(Duration duration) {
        return duration.compareTo(UNLIMITED) >= 0 ? Long.MAX_VALUE : Math.max(0, duration.toNanos());
    }
}
