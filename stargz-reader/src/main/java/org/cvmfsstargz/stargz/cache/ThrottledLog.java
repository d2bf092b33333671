package org.cvmfsstargz.stargz.cache;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * Logs one kind of warning at most once per interval, saying how many were dropped in between: a
 * full disk fails every write, and thousands of FUSE reads a second must not become thousands of
 * log lines. Thread-safe; nothing to close.
 */
final class ThrottledLog {
    private final Logger log;
    private final long intervalNanos;
    private final AtomicLong nextNanos;
    private final AtomicLong suppressed = new AtomicLong();

    ThrottledLog(Logger log, Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nextNanos = new AtomicLong(System.nanoTime());
    }

    /** Logs {@code message} at WARN unless one was logged less than the interval ago; whether it logged. */
    boolean warn(String message) {
        long now = System.nanoTime();
        long next = nextNanos.get();
        // Compared as a difference: nanoTime may wrap around.
        if (now - next < 0 || !nextNanos.compareAndSet(next, now + intervalNanos)) {
            suppressed.incrementAndGet();
            return false;
        }
        long dropped = suppressed.getAndSet(0);
        log.warn(dropped == 0 ? message : message + " (" + dropped + " similar warnings suppressed before this one)");
        return true;
    }
}
