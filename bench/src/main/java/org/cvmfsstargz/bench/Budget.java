package org.cvmfsstargz.bench;

import java.time.Duration;

/**
 * How long one client keeps calling in a run: for a wall-clock time, or for a fixed number of
 * operations. Immutable.
 */
sealed interface Budget {

    /** True while a client that has finished {@code done} operations since {@code startNanos} goes on. */
    boolean allowsMore(long startNanos, long done);

    /** Every client calls until {@code duration} has passed since the common start. */
    record Timed(Duration duration) implements Budget {
        public Timed {
            if (duration.isNegative()) {
                throw new IllegalArgumentException("a run cannot last a negative time: " + duration);
            }
        }

        @Override
        public boolean allowsMore(long startNanos, long done) {
            return System.nanoTime() - startNanos < duration.toNanos();
        }

        @Override
        public String toString() {
            return duration.toMillis() / 1000.0 + " s";
        }
    }

    /** Every client makes exactly {@code operations} calls. */
    record Counted(long operations) implements Budget {
        public Counted {
            if (operations < 0) {
                throw new IllegalArgumentException("a run cannot make a negative number of calls: " + operations);
            }
        }

        @Override
        public boolean allowsMore(long startNanos, long done) {
            return done < operations;
        }

        @Override
        public String toString() {
            return operations + " ops/client";
        }
    }
}
