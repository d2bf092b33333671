package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eStargz FUSE mounts a daemon that died left under the snapshot root. A FUSE mount lives as
 * long as the process serving it; after a crash or {@code kill -9} its mount point answers
 * "Transport endpoint is not connected" until it is unmounted, and the snapshot directory cannot
 * be mounted again or deleted. The daemon holds the root's lock, so no live process serves any
 * mount under it at start: every one of ours is stale. Stateless.
 */
final class StaleMounts {
    private static final Logger LOG = LoggerFactory.getLogger(StaleMounts.class);
    private static final Duration UMOUNT_TIMEOUT = Duration.ofSeconds(10);

    private StaleMounts() {}

    /** Detaches (lazily: a running container may still hold one) every mount of {@code fsType} under {@code dir}. */
    static int detachUnder(MountTable table, Path dir, String fsType) {
        List<Path> stale;
        try {
            stale = table.mountPoints(dir, fsType);
        } catch (UncheckedIOException e) {
            LOG.warn("cannot look for stale FUSE mounts: {}", e.getMessage());
            return 0;
        }
        int detached = 0;
        for (Path mountpoint : stale) {
            if (detach(mountpoint)) {
                detached++;
            }
        }
        if (detached > 0) {
            LOG.info("detached stale FUSE mounts count={} under={}", detached, dir);
        }
        return detached;
    }

    private static boolean detach(Path mountpoint) {
        Optional<String> failure = failure(List.of("umount", "-l", mountpoint.toString()), UMOUNT_TIMEOUT);
        failure.ifPresent(reason -> LOG.warn("cannot detach stale FUSE mount {}: {}", mountpoint, reason));
        return failure.isEmpty();
    }

    /**
     * Runs {@code command} for at most {@code timeout}; why it failed, or empty if it exited 0.
     * Its output goes to a file, not a pipe read before the wait: reading a pipe would block
     * until the command exits, so a hung {@code umount} (a FUSE server that never answers) would
     * hang the daemon's start with it and the timeout would never apply. Past the timeout the
     * command is killed.
     */
    static Optional<String> failure(List<String> command, Duration timeout) {
        Path output = null;
        try {
            output = Files.createTempFile("stale-mounts-", ".out");
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                return Optional.of(command.getFirst() + " did not finish within " + timeout.toMillis() + " ms; killed");
            }
            if (process.exitValue() != 0) {
                return Optional.of(command.getFirst() + " exited with " + process.exitValue() + ": "
                        + Files.readString(output, StandardCharsets.UTF_8).strip());
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a temporary file left behind costs nothing
                }
            }
        }
    }
}
