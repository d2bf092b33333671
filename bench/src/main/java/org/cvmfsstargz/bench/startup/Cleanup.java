package org.cvmfsstargz.bench.startup;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The processes the benchmark has started and not yet stopped (registry, proxy, containerd,
 * daemon), stopped last-registered first. The benchmark stops each itself when done with it and
 * takes it off; on Ctrl-C a JVM shutdown hook stops whatever is left before the temporary
 * directory is unmounted and deleted; what is registered after that is stopped at once. Closing
 * twice is harmless.
 *
 * <p>Thread-safe: the shutdown hook may run while the main thread is mid-run.
 */
public final class Cleanup implements AutoCloseable {
    /** Something to undo. */
    @FunctionalInterface
    public interface Action {
        void run() throws Exception;
    }

    private final Deque<Action> actions = new ArrayDeque<>();
    private boolean closing;

    /**
     * Registers {@code action} to run at {@link #close()}; returns it, to {@link #done} it later.
     * Once {@link #close()} has begun (Ctrl-C while a process was starting), the action runs at
     * once instead, and an {@link IllegalStateException} tells the caller to stop.
     */
    public Action push(Action action) {
        synchronized (this) {
            if (!closing) {
                actions.push(action);
                return action;
            }
        }
        run(action);
        throw new IllegalStateException("shutting down: stopped what was just started");
    }

    /** Takes {@code action} off the list: its owner has run it. */
    public synchronized void done(Action action) {
        actions.remove(action);
    }

    /** Runs every action still registered, newest first; a failure is printed and the rest still run. */
    @Override
    public void close() {
        while (true) {
            Action next;
            synchronized (this) {
                closing = true;
                next = actions.poll();
            }
            if (next == null) {
                return;
            }
            run(next);
        }
    }

    private static void run(Action action) {
        try {
            action.run();
        } catch (Exception e) {
            System.err.println("cvmfs-bench: clean-up step failed: " + e);
        }
    }
}
