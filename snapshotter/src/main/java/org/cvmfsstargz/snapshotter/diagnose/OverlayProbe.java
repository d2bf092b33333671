package org.cvmfsstargz.snapshotter.diagnose;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;

/**
 * Whether the kernel mounts overlayfs with its upper directory where the daemon keeps snapshots:
 * mounts a one-file overlay on a fresh directory under {@code parent} with {@code mount(8)}, reads
 * the file through it, and unmounts it, each command within the deadline. Stateless.
 */
final class OverlayProbe {
    static final String WHAT = "overlayfs";

    private OverlayProbe() {}

    static CheckResult run(Path parent, Duration deadline) {
        String fix = "load the overlay module (modprobe overlay); " + parent + " must be on a filesystem overlayfs"
                + " accepts as upper layer (ext4, xfs, tmpfs; not overlayfs itself, as in a container without a volume)";
        Path dir = null;
        try {
            dir = Files.createTempDirectory(parent, "check-overlay-");
            Path lower = Files.createDirectory(dir.resolve("lower"));
            Files.writeString(lower.resolve("probe"), "overlay\n");
            Path upper = Files.createDirectory(dir.resolve("upper"));
            Path work = Files.createDirectory(dir.resolve("work"));
            Path merged = Files.createDirectory(dir.resolve("merged"));
            run(deadline, "mount", "-t", "overlay", "overlay", "-o", "lowerdir=" + lower + ",upperdir=" + upper
                    + ",workdir=" + work, merged.toString());
            String read;
            try {
                read = Files.readString(merged.resolve("probe"));
            } finally {
                run(deadline, "umount", merged.toString());
            }
            if (!read.equals("overlay\n")) {
                return CheckResult.fail(WHAT, "an overlay on " + merged + " shows other content than its lower"
                        + " directory", fix);
            }
            return CheckResult.ok(WHAT, "mounted, read and unmounted an overlay with its upper directory under "
                    + parent);
        } catch (IOException e) {
            return CheckResult.fail(WHAT, "cannot mount overlayfs under " + parent + ": " + e.getMessage(), fix);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CheckResult.fail(WHAT, "interrupted", fix);
        } finally {
            if (dir != null) {
                try {
                    LocalTree.delete(dir);
                } catch (IOException e) {
                    // Still mounted after a failed umount: the result already says so.
                }
            }
        }
    }

    /** Runs a command to completion within {@code deadline}; IOException with its output if it fails. */
    static void run(Duration deadline, String... command) throws IOException, InterruptedException {
        Path output = Files.createTempFile("check-command", ".out");
        try {
            Process process = new ProcessBuilder(List.of(command)).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(new File("/dev/null")).start();
            if (!process.waitFor(deadline.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException("`" + String.join(" ", command) + "` did not finish within "
                        + deadline.toMillis() + " ms");
            }
            if (process.exitValue() != 0) {
                throw new IOException("`" + command[0] + "` exited with " + process.exitValue() + ": "
                        + Files.readString(output, StandardCharsets.UTF_8).strip());
            }
        } finally {
            Files.deleteIfExists(output);
        }
    }
}
