package org.cvmfsstargz.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * What one measured run gave. Latencies are of successful calls only; a failed call counts in
 * {@code errors} and not in {@code operations}. Immutable.
 *
 * @param workload       {@code stat-miss} (the baseline) or {@code cycle}
 * @param clients        concurrent clients
 * @param operations     successful calls, all clients together
 * @param errors         failed calls
 * @param firstError     the first failure seen, to report
 * @param elapsed        from the common start until the last call returned
 * @param p50Nanos       median latency of one call
 * @param p99Nanos       99th percentile (nearest rank)
 * @param maxNanos       the slowest call
 * @param cpu            CPU used during the run by the daemon, the benchmark, and the whole machine
 */
record Measurement(String workload, int clients, long operations, long errors, Optional<String> firstError,
        Duration elapsed, long p50Nanos, long p99Nanos, long maxNanos, CpuClock.Reading cpu) {

    /** Summarises {@code latencies} (nanoseconds, any order; the array is sorted in place). */
    static Measurement of(String workload, int clients, long[] latencies, long errors, Optional<String> firstError,
            Duration elapsed, CpuClock.Reading cpu) {
        Arrays.sort(latencies);
        return new Measurement(workload, clients, latencies.length, errors, firstError, elapsed,
                percentile(latencies, 0.50), percentile(latencies, 0.99),
                latencies.length == 0 ? 0 : latencies[latencies.length - 1], cpu);
    }

    /** Nearest-rank percentile of sorted values: the smallest value with at least {@code p} of all at or below it. */
    static long percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.clamp(rank - 1, 0, sorted.length - 1)];
    }

    double operationsPerSecond() {
        return elapsed.isZero() ? 0 : operations * 1e9 / elapsed.toNanos();
    }

    /** Daemon CPU per successful call, in microseconds. */
    Optional<Double> daemonCpuMicrosPerOperation() {
        return perOperation(cpu.daemon());
    }

    /** Benchmark-side CPU per successful call (gRPC client, protobuf, bookkeeping), in microseconds. */
    Optional<Double> clientCpuMicrosPerOperation() {
        return perOperation(cpu.bench());
    }

    /**
     * The share of the machine's processors that other processes (or the hypervisor, as steal
     * time) were busy with during the run: 0 on a quiet machine; above about 0.1 the run competed.
     */
    Optional<Double> othersShare(int processors) {
        return elapsed.isZero() ? Optional.empty()
                : cpu.others().map(o -> Math.max(0, o.toNanos() / (double) (elapsed.toNanos() * processors)));
    }

    private Optional<Double> perOperation(Optional<Duration> cpu) {
        return operations == 0 ? Optional.empty() : cpu.map(d -> d.toNanos() / 1e3 / operations);
    }
}
