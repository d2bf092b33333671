package org.cvmfsstargz.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The machine a run was made on, and the filesystem under the daemon's root, which decides the
 * cost of every write the daemon syncs. Read once, before the runs. Immutable.
 *
 * @param nproc      processors available, as {@code nproc} says (client and daemon share them)
 * @param cpu        model name from {@code /proc/cpuinfo}
 * @param kernel     {@code uname -r}
 * @param java       the JVM running the benchmark (the daemon runs on the same binary by default)
 * @param rootDf     the data line of {@code df -PT <root>}: device, type, blocks, ..., mount point
 * @param rootFsType the filesystem type of the daemon's root (ext4, xfs, tmpfs, overlay, ...)
 * @param rootMount  where that filesystem is mounted
 * @param load       the one-minute load average when the run began (other work on the machine)
 */
public record HostFacts(int nproc, String cpu, String kernel, String java, String rootDf, String rootFsType,
        String rootMount, String load) {

    /** Reads the facts now; {@code root} is the directory whose filesystem the figures depend on. */
    public static HostFacts of(Path root) {
        int nproc = command("nproc").map(String::strip).flatMap(HostFacts::integer)
                .orElse(Runtime.getRuntime().availableProcessors());
        String cpu = cpuModel().orElse("unknown");
        String kernel = command("uname", "-r").map(String::strip).orElse("unknown");
        String java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
        String dfLine = command("df", "-PT", root.toString())
                .map(out -> out.strip().lines().skip(1).findFirst().orElse(""))
                .orElse("");
        String[] fields = dfLine.isBlank() ? new String[0] : dfLine.split("\\s+");
        String type = fields.length > 1 ? fields[1] : "unknown";
        String mount = fields.length > 6 ? fields[fields.length - 1] : "unknown";
        String load = CpuClock.loadAverage().orElse("unknown");
        return new HostFacts(nproc, cpu, kernel, java, dfLine, type, mount, load);
    }

    private static Optional<String> cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip())
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<Integer> integer(String s) {
        try {
            return Optional.of(Integer.parseInt(s));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The standard output of a short command, or empty if it cannot run or fails. */
    private static Optional<String> command(String... argv) {
        try {
            Process p = new ProcessBuilder(List.of(argv)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            return Optional.of(out);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
