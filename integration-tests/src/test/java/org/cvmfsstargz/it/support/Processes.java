package org.cvmfsstargz.it.support;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the processes a test started, by PID. Stateless. */
public final class Processes {
    private Processes() {}

    /**
     * SIGTERM, then SIGKILL if {@code process} has not exited within {@code timeout}; waits for
     * it to be gone either way. Returns whether SIGTERM alone was enough.
     */
    public static boolean stop(Process process, Duration timeout) {
        if (!process.isAlive()) {
            return true;
        }
        try {
            process.destroy();
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroyForcibly();
            process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return false;
        }
    }
}
