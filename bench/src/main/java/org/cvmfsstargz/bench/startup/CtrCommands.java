package org.cvmfsstargz.bench.startup;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.it.support.ContainerdProcess;

/**
 * Runs {@code ctr} and {@code ctr-remote} against one containerd, timing each from just before
 * the exec to its exit, and noting when the first byte of its standard output arrived: for
 * {@code ctr run}, that is the container's first output, which ctr copies from the task's FIFO
 * as it comes. Standard output is read through a pipe (no polling); standard error goes to a
 * file under containerd's directory. A command still running after its timeout is killed by PID.
 *
 * <p>Not thread-safe; one per containerd.
 */
public final class CtrCommands {
    private static final int TAIL_CHARS = 4000;

    private final Path address;
    private final Path containerdDir;
    private final String namespace;
    private final AtomicInteger calls = new AtomicInteger();

    /** {@code containerdDir} is the directory {@link ContainerdProcess#start} was given. */
    public CtrCommands(Path address, Path containerdDir) {
        this(address, containerdDir, ContainerdProcess.NAMESPACE);
    }

    /** As {@link #CtrCommands(Path, Path)}, working in {@code namespace} (e.g. CRI's {@code k8s.io}). */
    public CtrCommands(Path address, Path containerdDir, String namespace) {
        this.address = address;
        this.containerdDir = containerdDir;
        this.namespace = namespace;
    }

    /** containerd's directory: its {@code fifo} and {@code runc} subdirectories are for {@code ctr run}. */
    public Path containerdDir() {
        return containerdDir;
    }

    /**
     * How one command went. Times are {@link System#nanoTime()} readings.
     *
     * @param command     what ran
     * @param code        its exit status (137 or so if it was killed)
     * @param timedOut    whether it was killed for running past its timeout
     * @param start       just before the exec
     * @param firstOutput when its first byte of standard output was read, if it wrote any
     * @param end         when its standard output closed and it had exited
     * @param stdout      its standard output
     * @param stderr      its standard error
     */
    public record Exit(List<String> command, int code, boolean timedOut, long start, OptionalLong firstOutput, long end,
            String stdout, String stderr) {
        public Exit {
            command = List.copyOf(command);
        }

        /** The command, status and the ends of both outputs, for an error message. */
        public String describe() {
            return String.join(" ", command) + "\nexit status " + code + (timedOut ? " (killed: timed out)" : "")
                    + "\nstdout (end):\n" + tail(stdout) + "\nstderr (end):\n" + tail(stderr);
        }

        /** Returns this exit if the command succeeded; otherwise throws with {@link #describe()}. */
        public Exit orThrow() {
            if (code != 0 || timedOut) {
                throw new IllegalStateException("command failed: " + describe());
            }
            return this;
        }
    }

    /** Runs {@code binary} (ctr or ctr-remote) in this object's namespace and waits for it. */
    public Exit run(List<String> binaryAndArgs, Duration timeout) throws IOException {
        List<String> command = new ArrayList<>(List.of(binaryAndArgs.getFirst(), "--address", address.toString(),
                "-n", namespace));
        command.addAll(binaryAndArgs.subList(1, binaryAndArgs.size()));
        Path err = Files.createDirectories(containerdDir.resolve("ctr")).resolve("bench-" + calls.incrementAndGet()
                + ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        environment(builder.environment());
        long start = System.nanoTime();
        Process process = builder.start();
        AtomicBoolean killed = new AtomicBoolean();
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    killed.set(true);
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                // The command ended first.
            }
        });
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        OptionalLong firstOutput = OptionalLong.empty();
        try (InputStream in = process.getInputStream()) {
            int first = in.read();
            if (first >= 0) {
                firstOutput = OptionalLong.of(System.nanoTime());
                out.write(first);
                in.transferTo(out);
            }
            int code = process.waitFor();
            long end = System.nanoTime();
            return new Exit(command, code, killed.get(), start, firstOutput, end, out.toString(StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while waiting for " + command, e);
        } finally {
            watchdog.interrupt();
        }
    }

    /**
     * As the integration tests run ctr: no {@code CONTAINERD_*} settings from the caller, and
     * temporary mounts (if the client makes any) under containerd's directory, where its
     * teardown looks for leftovers.
     */
    private void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("CONTAINERD_"));
        env.put("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        env.put("TMPDIR", containerdDir.resolve("tmp").toString());
        env.put("XDG_RUNTIME_DIR", containerdDir.resolve("tmp").toString());
    }

    private static String tail(String text) {
        return text.length() <= TAIL_CHARS ? text : "..." + text.substring(text.length() - TAIL_CHARS);
    }
}
