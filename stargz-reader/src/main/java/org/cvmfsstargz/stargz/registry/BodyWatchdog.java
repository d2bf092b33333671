package org.cvmfsstargz.stargz.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Ends response bodies that stall or trickle. A watched body whose reader waits longer than the
 * idle deadline for its next byte, or that is still open past its overall deadline, is closed
 * from here: closing the JDK client's body stream cancels its subscription, which wakes the
 * blocked reader and closes the HTTP/1.1 connection (resets the HTTP/2 stream), so nothing stays
 * held. The interrupted read, and every later one, fails with a {@link StalledBodyException}.
 *
 * <p>One daemon thread checks every body, each at its next possible expiry, never per read.
 * Thread-safe. Its transport closes it; bodies are no longer watched after that.
 */
final class BodyWatchdog implements AutoCloseable {
    /** While no read waits, how often a body is looked at, in idle deadlines: a wait is noticed late by this much. */
    private static final int IDLE_CHECKS = 4;

    private final ScheduledThreadPoolExecutor timer;

    BodyWatchdog() {
        timer = new ScheduledThreadPoolExecutor(1, task -> {
            Thread thread = new Thread(task, "registry-body-watchdog");
            thread.setDaemon(true);
            return thread;
        });
        timer.setRemoveOnCancelPolicy(true);
        timer.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    }

    /**
     * {@code body} of the answer from {@code uri} for {@code what}, watched from now (its headers
     * have come) with {@code idle}, and {@code total} if present.
     */
    InputStream watch(InputStream body, Duration idle, Optional<Duration> total, String what, URI uri) {
        Watched watched = new Watched(body, idle, total, what, uri);
        watched.schedule(System.nanoTime());
        return watched;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }

    /** A body and its deadlines; reads run on the caller's thread, checks on the watchdog's. */
    private final class Watched extends InputStream {
        private final InputStream in;
        private final Duration idle;
        private final Optional<Duration> total;
        private final long endsAt;
        private final String what;
        private final URI uri;
        private volatile boolean reading;
        private volatile long readingSince;
        private volatile boolean finished;
        private volatile Optional<StalledBodyException> expired = Optional.empty();
        private volatile Optional<ScheduledFuture<?>> check = Optional.empty();

        Watched(InputStream in, Duration idle, Optional<Duration> total, String what, URI uri) {
            this.in = in;
            this.idle = idle;
            this.total = total;
            this.endsAt = System.nanoTime() + total.map(Duration::toNanos).orElse(0L);
            this.what = what;
            this.uri = uri;
        }

        @Override
        public int read() throws IOException {
            enter();
            try {
                return ended(in.read());
            } catch (IOException e) {
                throw failure(e);
            } finally {
                reading = false;
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            enter();
            try {
                return ended(in.read(b, off, len));
            } catch (IOException e) {
                throw failure(e);
            } finally {
                reading = false;
            }
        }

        @Override
        public int available() throws IOException {
            return expired.isPresent() ? 0 : in.available();
        }

        @Override
        public void close() throws IOException {
            finished = true;
            check.ifPresent(c -> c.cancel(false));
            in.close();
        }

        private void enter() throws IOException {
            if (expired.isPresent()) {
                throw expired.get().reported(new IOException("read after the deadline"));
            }
            readingSince = System.nanoTime();
            reading = true;
        }

        private int ended(int result) {
            if (result < 0) {
                finished = true; // nothing left to wait for: stop checking
                check.ifPresent(c -> c.cancel(false));
            }
            return result;
        }

        private IOException failure(IOException e) {
            return expired.isPresent() ? expired.get().reported(e) : e;
        }

        /** Checks the deadlines at {@code now}: closes the body past one, else looks again when one may pass. */
        private void examine() {
            if (finished) {
                return;
            }
            long now = System.nanoTime();
            if (total.isPresent() && now - endsAt >= 0) {
                expire("was still being read " + total.get().toMillis() + " ms after its headers (the body deadline)");
            } else if (reading && now - readingSince >= idle.toNanos()) {
                expire("sent no byte for " + idle.toMillis() + " ms (the body idle deadline)");
            } else {
                schedule(now);
            }
        }

        void schedule(long now) {
            long next = reading ? readingSince + idle.toNanos() : now + idle.toNanos() / IDLE_CHECKS;
            if (total.isPresent() && next - endsAt > 0) {
                next = endsAt;
            }
            try {
                check = Optional.of(timer.schedule(this::examine, Math.max(next - now, 1_000_000L),
                        TimeUnit.NANOSECONDS));
            } catch (RejectedExecutionException e) {
                // The transport is closed: its client is shut down, and so is this body's connection.
            }
        }

        private void expire(String reason) {
            expired = Optional.of(new StalledBodyException(what + ": " + RegistryException.redacted(uri) + " "
                    + reason + "; closed the connection"));
            finished = true;
            try {
                in.close(); // wakes a reader blocked in the JDK stream
            } catch (IOException e) {
                // Closing is all that was wanted; the reader sees the expiry either way.
            }
        }
    }
}
