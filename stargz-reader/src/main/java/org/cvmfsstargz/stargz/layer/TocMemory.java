package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Bounds the TOC sections held at once across every layer of a daemon, from the read of a section
 * until its index is built: each is held whole while it is parsed, and concurrent Prepares (an
 * image's layers, several images) would otherwise each hold one, up to the largest TOC accepted.
 * A load waits for its share rather than fail; one larger than the whole bound waits until it is
 * alone. A wait is bounded: past it the load fails with an {@link IOException}, and the layer is
 * pulled normally. Counted in KiB, so that the bound may exceed 2 GiB.
 *
 * <p>Thread-safe; shared by every TOC load of a daemon.
 */
public final class TocMemory {
    private static final int KIB = 1024;

    private final Semaphore kib;
    private final int maxKib;
    private final Duration maxWait;

    /**
     * @param maxBytes the most TOC bytes held at once; at least 1 KiB
     * @param maxWait how long a load waits for room before it fails
     */
    public TocMemory(long maxBytes, Duration maxWait) {
        if (maxBytes < KIB) {
            throw new IllegalArgumentException("TOC memory bound must be at least 1 KiB, got " + maxBytes);
        }
        this.maxWait = Objects.requireNonNull(maxWait, "maxWait");
        this.maxKib = (int) Math.min(Integer.MAX_VALUE, maxBytes / KIB);
        this.kib = new Semaphore(maxKib, true);
    }

    /** A bound no load ever waits for: for tests and tools that read one layer at a time. */
    public static TocMemory unbounded() {
        return new TocMemory((long) Integer.MAX_VALUE * KIB, Duration.ofDays(1));
    }

    /**
     * Room for {@code bytes} of {@code what}'s TOC, held until the returned permit is closed.
     *
     * @throws IOException if no room came within the wait (interrupted: {@link InterruptedIOException})
     */
    public Permit acquire(long bytes, String what) throws IOException {
        int wanted = (int) Math.max(1, Math.min(maxKib, (bytes + KIB - 1) / KIB));
        try {
            if (!kib.tryAcquire(wanted, maxWait.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new IOException("waited " + maxWait.toMillis() + " ms for room to hold the " + bytes
                        + "-byte TOC of " + what + ": the TOCs of other layers being read hold "
                        + (maxKib - kib.availablePermits()) + " KiB of the " + maxKib + " KiB allowed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for room to hold the TOC of " + what);
        }
        return new Permit(kib, wanted);
    }

    /** Bytes of room free now; for tests and metrics. */
    public long availableBytes() {
        return (long) kib.availablePermits() * KIB;
    }

    /** Room held by one load; closing it gives the room back, once. Thread-safe. */
    public static final class Permit implements AutoCloseable {
        /** Holds nothing: for TOC bytes that no budget counts. */
        public static final Permit NONE = new Permit(new Semaphore(0), 0);

        private final Semaphore kib;
        private int held;

        private Permit(Semaphore kib, int held) {
            this.kib = kib;
            this.held = held;
        }

        @Override
        public synchronized void close() {
            if (held > 0) {
                kib.release(held);
                held = 0;
            }
        }
    }
}
