package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the machine busy the way a loaded node is: one CPU hog per processor (a shell spinning at
 * the daemon's own priority) and one writer that rewrites a 64 MiB file with {@code fsync}, so the
 * disk queue is never empty. For tests of what happens when the daemon starts on such a node.
 * Everything is stopped by PID at {@link #close()}, the writer's {@code dd} children included.
 *
 * <p>Not thread-safe; the test that starts it closes it.
 */
public final class BusyNode implements AutoCloseable {
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private final List<Process> processes;
    private final Path scratch;

    private BusyNode(List<Process> processes, Path scratch) {
        this.processes = processes;
        this.scratch = scratch;
    }

    /** Starts the hogs and the writer; the writer's file lives in {@code dir}. */
    public static BusyNode start(Path dir) throws IOException {
        Path scratch = Files.createDirectories(dir).resolve("busy-writer.bin");
        List<Process> started = new ArrayList<>();
        try {
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                started.add(new ProcessBuilder("/bin/sh", "-c", "while :; do :; done")
                        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
            started.add(new ProcessBuilder("/bin/sh", "-c", "while :; do dd if=/dev/zero of='" + scratch
                    + "' bs=1M count=64 conv=fsync 2>/dev/null; done")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        } catch (IOException | RuntimeException e) {
            new BusyNode(started, scratch).close();
            throw e;
        }
        return new BusyNode(started, scratch);
    }

    @Override
    public void close() {
        for (Process process : processes) {
            List<ProcessHandle> children = process.descendants().toList();
            Processes.stop(process, STOP_TIMEOUT);
            children.forEach(ProcessHandle::destroyForcibly);
        }
        try {
            Files.deleteIfExists(scratch);
        } catch (IOException e) {
            // Under the test's temporary directory, which JUnit deletes anyway.
        }
    }
}
