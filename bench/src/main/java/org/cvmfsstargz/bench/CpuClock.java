package org.cvmfsstargz.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * CPU time as Linux accounts it: of this process, and busy time of the whole machine (all
 * processes, all processors) from {@code /proc/stat}. Their difference during a run, less the
 * daemon's share, is what other work on the machine took from the benchmark: on a shared 2-core
 * machine a concurrent build can halve the figures, and a reader must be able to tell. Stateless.
 */
public final class CpuClock {
    /** {@code /proc/stat} counts in USER_HZ ticks, 100 per second on every Linux ABI in use. */
    private static final long NANOS_PER_TICK = 10_000_000L;

    private CpuClock() {}

    /**
     * CPU times at one moment, or (from {@link #since}) used between two moments; each empty if
     * the OS did not say. Immutable.
     *
     * @param daemon  the daemon's process
     * @param bench   this process: the clients, gRPC and protobuf on the calling side
     * @param machine every processor's busy time, all processes together
     */
    record Reading(Optional<Duration> daemon, Optional<Duration> bench, Optional<Duration> machine) {

        /** What was used from {@code earlier} until this reading. */
        Reading since(Reading earlier) {
            return new Reading(minus(daemon, earlier.daemon), minus(bench, earlier.bench),
                    minus(machine, earlier.machine));
        }

        /** Busy time that was neither the daemon's nor the benchmark's. */
        Optional<Duration> others() {
            return machine.flatMap(m -> daemon.flatMap(d -> bench.map(b -> m.minus(d).minus(b))));
        }

        private static Optional<Duration> minus(Optional<Duration> after, Optional<Duration> before) {
            return after.flatMap(a -> before.map(a::minus));
        }
    }

    /** Reads every clock now; {@code daemon} gives the daemon's process CPU time. */
    static Reading read(Supplier<Optional<Duration>> daemon) {
        return new Reading(daemon.get(), ProcessHandle.current().info().totalCpuDuration(), machineBusy());
    }

    /**
     * Busy time of all processors so far: every {@code cpu} field but idle and iowait (guest time
     * is already inside user time, so it is not added again).
     */
    public static Optional<Duration> machineBusy() {
        try {
            String line = Files.readAllLines(Path.of("/proc/stat")).getFirst();
            String[] f = line.trim().split("\\s+");
            if (!f[0].equals("cpu") || f.length < 8) {
                return Optional.empty();
            }
            long busy = 0;
            for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
                if (i != 4 && i != 5) {
                    busy += Long.parseLong(f[i]);
                }
            }
            return Optional.of(Duration.ofNanos(busy * NANOS_PER_TICK));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The one-minute load average, as {@code /proc/loadavg} says. */
    public static Optional<String> loadAverage() {
        try {
            return Optional.of(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
