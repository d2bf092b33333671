package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * CPU time of the benchmark's own processes, from {@code /proc/<pid>/stat}: this JVM (the
 * counting proxy), the {@code ctr} clients it ran and reaped, and its live children (containerd,
 * the daemon, the registry) with the children they reaped (containerd's unpacking helpers).
 * Subtracted from the machine's busy time over a run, it leaves what other people's work took,
 * which on a shared machine decides how far a run's times can be trusted. The container's shim
 * and runc are re-parented away from containerd and escape the count; they run {@code cat}.
 * Stateless.
 */
public final class ProcStat {
    /** {@code /proc/<pid>/stat} counts in USER_HZ ticks, 100 per second on every Linux ABI in use. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private ProcStat() {}

    /** CPU time of this JVM, its reaped children and its live children with theirs; empty if unreadable. */
    public static Optional<Duration> ours() {
        Optional<Duration> self = cpuOf(ProcessHandle.current().pid());
        if (self.isEmpty()) {
            return Optional.empty();
        }
        Duration total = self.get();
        for (ProcessHandle child : ProcessHandle.current().children().toList()) {
            total = total.plus(cpuOf(child.pid()).orElse(Duration.ZERO)); // one that just exited is in ours
        }
        return Optional.of(total);
    }

    private static Optional<Duration> cpuOf(long pid) {
        try {
            return cpuTicks(Files.readString(Path.of("/proc", Long.toString(pid), "stat")))
                    .map(ticks -> Duration.ofNanos(ticks * NANOS_PER_TICK));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * utime + stime + cutime + cstime of one {@code stat} line (fields 14 to 17, counted from 1).
     * The command name, field 2, is in parentheses and may hold spaces or parentheses itself, so
     * fields are counted from the last closing parenthesis.
     */
    public static Optional<Long> cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] f = stat.substring(close + 1).strip().split("\\s+");
        if (f.length < 15) {
            return Optional.empty();
        }
        try {
            // f[0] is field 3 (state), so field n is f[n - 3].
            return Optional.of(Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13])
                    + Long.parseLong(f[14]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
