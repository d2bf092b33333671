package org.cvmfsstargz.bench.startup;

import java.time.Duration;
import java.util.Optional;

/**
 * One start-up of one variant, on its own fresh containerd and daemon. Immutable.
 *
 * @param variant        how the image got onto the node
 * @param round          which repetition (from 1)
 * @param pull           from the exec of the pull command to its exit
 * @param firstOutput    from the exec of the pull command to the first byte the container wrote
 *                       (through {@code ctr run}): the start-up time
 * @param exit           from the exec of the pull command to the exit of {@code ctr run --rm}
 *                       (the container stopped and deleted)
 * @param blobBytes      response body bytes the registry served for blob paths (layers, config)
 * @param bodyBytes      response body bytes of every request (manifests too)
 * @param requests       requests the registry answered
 * @param machineCpu     CPU time of every process on the machine from just before the pull to the
 *                       exit of {@code ctr run}
 * @param ourCpu         the part of it our processes took (see {@link ProcStat}): containerd, the
 *                       daemon, the registry, the ctr clients and this JVM (the counting proxy)
 * @param othersShare    the rest, as a share of all processors over the same span: other people's
 *                       work, which on a shared machine lengthens the run's times
 * @param daemonExit     the daemon's exit status on SIGTERM after the run (0 is clean)
 */
record Sample(Variant variant, int round, Duration pull, Duration firstOutput, Duration exit, long blobBytes,
        long bodyBytes, int requests, Optional<Duration> machineCpu, Optional<Duration> ourCpu,
        Optional<Double> othersShare, int daemonExit) {

    /** From the exit of the pull to the container's first output: what {@code ctr run} took to start it. */
    Duration runToFirstOutput() {
        return firstOutput.minus(pull);
    }
}
