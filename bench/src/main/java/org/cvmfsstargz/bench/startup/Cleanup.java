package org.cvmfsstargz.bench.startup;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The processes the benchmark has started and not yet stopped (registry, proxy, containerd,
 * daemon), stopped last-registered first. The benchmark stops each itself when done with it and
 * takes it off; on Ctrl-C a JVM shutdown hook stops whatever is left before the temporary
 * directory is unmounted and deleted. Closing twice is harmless.
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

    /** Registers {@code action} to run at {@link #close()}; returns it, to {@link #done} it later. */
    public synchronized Action push(Action action) {
        actions.push(action);
        return action;
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
                next = actions.poll();
            }
            if (next == null) {
                return;
            }
            try {
                next.run();
            } catch (Exception e) {
                System.err.println("cvmfs-bench: clean-up step failed: " + e);
            }
        }
    }
}
