package org.cvmfsstargz.stargz.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Unmounts a FUSE mount: {@code fusermount -u} first; if the mount is busy, the lazy
 * {@code fusermount -u -z} (MNT_DETACH: it leaves the mount table at once and the kernel lets go
 * of the filesystem when the last open file on it closes); {@code umount -l} if libfuse's
 * {@code fusermount} is not installed. Stateless and thread-safe.
 */
final class FuseUnmount {
    private static final List<List<String>> COMMANDS = List.of(
            List.of("fusermount", "-u"), List.of("fusermount", "-u", "-z"), List.of("umount", "-l"));

    private FuseUnmount() {}

    /**
     * Unmounts {@code mountpoint}; does nothing if it is not a mount point.
     *
     * @param timeout how long each command may take
     * @throws IOException if it is still a mount point after every command, with each command's
     *     failure attached
     */
    static void unmount(Path mountpoint, Duration timeout) throws IOException {
        IOException failures = null;
        for (List<String> command : COMMANDS) {
            if (!MountTable.isMountPoint(mountpoint)) {
                return;
            }
            try {
                run(command, mountpoint, timeout);
            } catch (IOException e) {
                if (failures == null) {
                    failures = new IOException("could not unmount " + mountpoint);
                }
                failures.addSuppressed(e);
            }
        }
        if (MountTable.isMountPoint(mountpoint)) {
            throw failures != null ? failures : new IOException(mountpoint + " is still mounted after unmounting");
        }
    }

    private static void run(List<String> command, Path mountpoint, Duration timeout) throws IOException {
        List<String> line = new ArrayList<>(command);
        line.add(mountpoint.toString());
        Process process = new ProcessBuilder(line).redirectErrorStream(true).start();
        try {
            // Wait before reading: the command says a line at most, and a read would ignore the timeout.
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", line) + " did not finish within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while running " + String.join(" ", line), e);
        }
        if (process.exitValue() != 0) {
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            throw new IOException("`" + String.join(" ", line) + "` exited with " + process.exitValue() + ": "
                    + output.strip());
        }
    }
}
