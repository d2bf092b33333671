package org.cvmfsstargz.bench.compare;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short-lived tool (apt-get, dpkg, python, sync, kill) to its end, its standard output and
 * error together in a temporary file, its input {@code /dev/null}; one that runs past its timeout
 * is killed by PID. Stateless.
 */
final class Shell {
    private static final int TAIL_CHARS = 4000;

    /** How a command ended: its exit status and its output (standard output and error together). */
    record Result(List<String> command, int code, String output) {
        Result {
            command = List.copyOf(command);
        }

        /** The command, its status and the end of its output, for an error message. */
        String tail() {
            String end = output.length() <= TAIL_CHARS ? output : "..." + output.substring(output.length() - TAIL_CHARS);
            return String.join(" ", command) + " (exit " + code + "):\n" + end;
        }
    }

    private Shell() {}

    static Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, timeout, Optional.empty());
    }

    /** Runs {@code command} in {@code dir} (or here), waiting at most {@code timeout}. */
    static Result run(List<String> command, Duration timeout, Optional<Path> dir) throws IOException {
        Path output = Files.createTempFile("compare-bench-", ".out");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            dir.ifPresent(d -> builder.directory(d.toFile()));
            Process process = builder.start();
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new IOException(String.join(" ", command) + " still running after " + timeout
                            + ", killed:\n" + read(output));
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while running " + command, e);
            }
            return new Result(command, process.exitValue(), read(output));
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** The file's text; bytes that are not UTF-8 (a tool's binary output) become U+FFFD rather than failing. */
    private static String read(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /** Runs {@code command} and fails with its output unless it exits 0. */
    static String ok(List<String> command, Duration timeout) throws IOException {
        Result r = run(command, timeout);
        if (r.code() != 0) {
            throw new IOException("command failed: " + r.tail());
        }
        return r.output();
    }
}
