package org.cvmfsstargz.stargz.layer;

import java.io.InterruptedIOException;
import java.util.concurrent.Semaphore;

/**
 * Bounds the bytes that chunk fetches hold at once, across every layer of the daemon: a fetch
 * holds the compressed bytes of its ranges from the request until its chunks are verified, and
 * the kernel's read-ahead, containers' parallel reads and the sequential read-ahead can start many
 * at once. A fetch waits for its share before it asks the registry; one larger than the whole
 * bound waits until it is alone. Counted in KiB, so that the bound may exceed 2 GiB.
 *
 * <p>Thread-safe; shared by every {@link LayerReader} of a daemon.
 */
public final class FetchMemory {
    private static final int KIB = 1024;

    private final Semaphore kib;
    private final int maxKib;

    /** @param maxBytes the most bytes fetches hold at once; at least 1 MiB */
    public FetchMemory(long maxBytes) {
        if (maxBytes < (1 << 20)) {
            throw new IllegalArgumentException("fetch memory bound must be at least 1 MiB, got " + maxBytes);
        }
        this.maxKib = (int) Math.min(Integer.MAX_VALUE, maxBytes / KIB);
        this.kib = new Semaphore(maxKib, true);
    }

    /** A bound no fetch ever waits for: for tests and tools that read one file at a time. */
    public static FetchMemory unbounded() {
        return new FetchMemory((long) Integer.MAX_VALUE * KIB);
    }

    /** Room for {@code bytes}, held until the returned permit is closed. */
    Permit acquire(long bytes) throws InterruptedIOException {
        int wanted = (int) Math.max(1, Math.min(maxKib, (bytes + KIB - 1) / KIB));
        try {
            kib.acquire(wanted);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for room to fetch " + bytes + " bytes");
        }
        return new Permit(wanted);
    }

    /** Bytes of room free now; for tests. */
    long availableBytes() {
        return (long) kib.availablePermits() * KIB;
    }

    /** Room held by one fetch; closing it gives the room back, once. */
    final class Permit implements AutoCloseable {
        private int held;

        private Permit(int held) {
            this.held = held;
        }

        @Override
        public void close() {
            if (held > 0) {
                kib.release(held);
                held = 0;
            }
        }
    }
}
