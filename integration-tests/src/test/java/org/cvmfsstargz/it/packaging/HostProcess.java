package org.cvmfsstargz.it.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A process as the host's {@code /proc/<pid>} shows it, for asserting how a container's JVM was
 * started and what it runs with, from outside the container (the image has no shell): its command
 * line as exec'd ({@code @argfiles} not expanded), its environment, its threads' names and the
 * files it maps. Each call reads {@code /proc} afresh; immutable.
 *
 * @param pid the process ID in the host's PID namespace
 */
record HostProcess(long pid) {
    HostProcess {
        if (pid <= 0) {
            throw new IllegalArgumentException("pid " + pid);
        }
    }

    /** {@code /proc/<pid>/cmdline}: the arguments as exec'd. */
    List<String> commandLine() throws IOException {
        return nulSeparated(read("cmdline"));
    }

    /** {@code /proc/<pid>/environ}: the environment the process started with. */
    Map<String, String> environment() throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (String entry : nulSeparated(read("environ"))) {
            int equals = entry.indexOf('=');
            if (equals > 0) {
                environment.put(entry.substring(0, equals), entry.substring(equals + 1));
            }
        }
        return Map.copyOf(environment);
    }

    /** The names of its threads ({@code /proc/<pid>/task/<tid>/comm}, at most 15 characters each). */
    List<String> threadNames() throws IOException {
        try (Stream<Path> tasks = Files.list(proc().resolve("task"))) {
            return tasks.map(task -> {
                try {
                    return Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    return ""; // the thread ended in between
                }
            }).filter(name -> !name.isEmpty()).sorted().toList();
        }
    }

    /** The files it maps ({@code /proc/<pid>/maps}, the path field), each once. */
    List<String> mappedFiles() throws IOException {
        return read("maps").lines().map(line -> line.split("\\s+", 6))
                .filter(fields -> fields.length == 6 && fields[5].startsWith("/"))
                .map(fields -> fields[5]).distinct().toList();
    }

    /** A size field of {@code /proc/<pid>/status} in KiB, e.g. {@code VmRSS} or {@code VmHWM}. */
    long statusKib(String field) throws IOException {
        return read("status").lines().filter(line -> line.startsWith(field + ":"))
                .map(line -> Long.parseLong(line.substring(field.length() + 1).strip().split("\\s+")[0]))
                .findFirst().orElseThrow(() -> new IllegalStateException("no " + field + " in status of " + pid));
    }

    private String read(String file) throws IOException {
        return new String(Files.readAllBytes(proc().resolve(file)), StandardCharsets.UTF_8);
    }

    private Path proc() {
        return Path.of("/proc", Long.toString(pid));
    }

    private static List<String> nulSeparated(String text) {
        return Arrays.stream(text.split("\0")).filter(part -> !part.isEmpty()).toList();
    }
}
