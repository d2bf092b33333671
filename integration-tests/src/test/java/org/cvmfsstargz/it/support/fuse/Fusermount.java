package org.cvmfsstargz.it.support.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.Mounter;

/** Unmounts a FUSE mount with libfuse's {@code fusermount}. Stateless. */
final class Fusermount {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private Fusermount() {}

    /**
     * Unmounts {@code mountpoint}, lazily ({@code -z}, MNT_DETACH) if a plain unmount fails because
     * something still uses it; does nothing if it is not mounted.
     */
    static void unmount(Path mountpoint) throws IOException {
        if (!Mounter.isMountPoint(mountpoint)) {
            return;
        }
        try {
            run(List.of("fusermount", "-u", mountpoint.toString()));
        } catch (IOException busy) {
            try {
                run(List.of("fusermount", "-u", "-z", mountpoint.toString()));
            } catch (IOException lazy) {
                lazy.addSuppressed(busy);
                throw lazy;
            }
        }
        if (Mounter.isMountPoint(mountpoint)) {
            throw new IOException(mountpoint + " is still mounted after fusermount -u");
        }
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        // Wait before reading: fusermount says a line at most, and a read would ignore the timeout.
        try {
            if (!process.waitFor(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + COMMAND_TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + command, e);
        }
        if (process.exitValue() != 0) {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            throw new IOException("`" + String.join(" ", command) + "` exited with " + process.exitValue()
                    + ": " + output.strip());
        }
    }
}
