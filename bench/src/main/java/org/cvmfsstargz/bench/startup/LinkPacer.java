package org.cvmfsstargz.bench.startup;

import java.time.Duration;

/**
 * The schedule of one simulated link of a fixed bandwidth, shared by every connection over it:
 * each batch of bytes occupies the link for {@code bytes * 8 / bitsPerSecond} after the previous
 * batch has left, so connections together never exceed the bandwidth. Pure arithmetic on
 * {@link System#nanoTime()}-style readings passed in; {@link ThrottledProxy} sleeps until the time
 * it returns. Thread-safe.
 */
final class LinkPacer {
    private final long bitsPerSecond;
    private long busyUntil = Long.MIN_VALUE;

    LinkPacer(long bitsPerSecond) {
        if (bitsPerSecond <= 0) {
            throw new IllegalArgumentException("a bandwidth must be positive, got " + bitsPerSecond + " bit/s");
        }
        this.bitsPerSecond = bitsPerSecond;
    }

    /** How long {@code bytes} take on the link alone. */
    Duration transferTime(long bytes) {
        return Duration.ofNanos(bytes * 8 * 1_000_000_000L / bitsPerSecond);
    }

    /**
     * Books {@code bytes} on the link at {@code now} and returns when they have gone through it:
     * {@code transferTime(bytes)} after {@code now}, or after the batch booked before, if later.
     */
    synchronized long book(long now, long bytes) {
        long start = busyUntil == Long.MIN_VALUE || busyUntil - now < 0 ? now : busyUntil;
        busyUntil = start + transferTime(bytes).toNanos();
        return busyUntil;
    }
}
