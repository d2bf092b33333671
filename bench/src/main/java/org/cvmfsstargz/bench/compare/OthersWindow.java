package org.cvmfsstargz.bench.compare;

import java.time.Duration;
import java.util.Optional;
import org.cvmfsstargz.bench.CpuClock;
import org.cvmfsstargz.bench.startup.ProcStat;

/**
 * How much of the machine other work took during one measurement, as the other benchmarks count
 * it: the machine's busy time over the window, less this benchmark's own processes (this JVM with
 * the counting and throttling proxies, and its children: containerd, the snapshotter, the
 * registry, the ctr clients) and less the container's own CPU time, which its shell reports
 * (containers are re-parented away from containerd and escape the rest). The rest, as a share
 * of all processors over the window, is other people's work; runc and the shim still fall in it.
 * Immutable; {@link #open} starts one, {@link #share} reads it.
 */
record OthersWindow(Optional<Duration> machineBefore, Optional<Duration> oursBefore, long begin, int nproc) {

    static OthersWindow open(int nproc) {
        return new OthersWindow(CpuClock.machineBusy(), ProcStat.ours(), System.nanoTime(), nproc);
    }

    /** Others' share of all processors since {@link #open}, given the container's CPU time; empty if unreadable. */
    Optional<Double> share(Optional<Duration> container) {
        double capacity = (double) (System.nanoTime() - begin) * nproc;
        Optional<Duration> machine = CpuClock.machineBusy().flatMap(after -> machineBefore.map(after::minus));
        Optional<Duration> ours = ProcStat.ours().flatMap(after -> oursBefore.map(after::minus));
        Duration inContainer = container.orElse(Duration.ZERO);
        return machine.flatMap(m -> ours.map(o -> Math.max(0, m.minus(o).minus(inContainer).toNanos() / capacity)));
    }
}
