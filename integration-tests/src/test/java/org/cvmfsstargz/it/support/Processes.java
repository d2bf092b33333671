package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running and stopping the processes a test starts, by PID. Stateless. */
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

    /** How a command ended: its exit code and its output (stdout and stderr together). */
    public record Exit(int code, String output) {}

    /** Runs {@code command} to its end; fails if it takes longer than {@code timeout} (it is then killed). */
    public static Exit run(Duration timeout, List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(command + " did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command, e);
        }
        return new Exit(process.exitValue(), new String(process.getInputStream().readAllBytes(),
                StandardCharsets.UTF_8));
    }
}
