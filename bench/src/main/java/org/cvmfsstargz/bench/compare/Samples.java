package org.cvmfsstargz.bench.compare;

import java.time.Duration;
import java.util.Optional;

/** The figures the comparison collects, one record per cold sample or pass. Immutable. */
final class Samples {
    private Samples() {}

    /**
     * What the snapshotter and the machine used during a sample.
     *
     * @param daemonCpu    the snapshotter\'s CPU time (user + system, children included) during the timed part
     *                     to the end of the sample
     * @param startCpu     the snapshotter's CPU time before the timed part: its start, and the
     *                     call that checked containerd reaches it (for a read, everything before it)
     * @param peakRss      its {@code VmHWM} at the end of the sample, bytes
     * @param othersShare  others' share of all processors during the timed part, if readable
     * @param containerCpu the container's CPU time, as its shell's {@code times} reported it
     * @param connectFailures how many of containerd's first calls failed before it reached the
     *                     snapshotter, before the timed part (see {@link ColdNode})
     * @param exit         the snapshotter's exit status on its stop signal
     */
    record Usage(Duration daemonCpu, Duration startCpu, long peakRss, Optional<Double> othersShare,
            Optional<Duration> containerCpu, int connectFailures, int exit) {
        Usage withExit(int status) {
            return new Usage(daemonCpu, startCpu, peakRss, othersShare, containerCpu, connectFailures, status);
        }
    }

    /**
     * One cold start-up: pull, then a container's first output.
     *
     * @param image       the catalog image
     * @param link        how the registry was reached
     * @param variant     the snapshotter's label
     * @param round       which repetition, from 1
     * @param pull        exec to exit of {@code ctr-remote image rpull}
     * @param firstOutput exec of the pull to the container's first byte of output
     * @param blobBytes   response body bytes the registry served for blob paths
     * @param requests    requests the registry answered
     * @param usage       the snapshotter's CPU and memory, the machine's noise
     */
    record StartUp(String image, Link link, String variant, int round, Duration pull, Duration firstOutput,
            long blobBytes, int requests, Usage usage) {}

    /**
     * One pass of the whole-image read: every regular file under {@code /usr} of the JDK image.
     *
     * @param variant   the snapshotter's label
     * @param round     which repetition, from 1
     * @param warm      false for the first pass (empty cache, page cache dropped), true for the second
     * @param time      what the read took inside the container ({@code /proc/uptime}, 10 ms resolution)
     * @param bytesRead bytes {@code cat} read, as {@code wc -c} counted them
     * @param blobBytes registry blob bytes served during the pass
     * @param usage     the snapshotter's CPU during the pass and its peak RSS after it
     */
    record Read(String variant, int round, boolean warm, Duration time, long bytesRead, long blobBytes, Usage usage) {
        String pass() {
            return warm ? "warm" : "cold";
        }

        double mbPerSecond() {
            return bytesRead / 1e6 / Math.max(1e-3, time.toNanos() / 1e9);
        }
    }

    /**
     * One CRI pull from the CVMFS layer tree, then a container's first output.
     *
     * @param variant        the snapshotter's label
     * @param round          which repetition, from 1
     * @param pull           the CRI PullImage call
     * @param run            end of the pull to the container's first byte of output
     * @param layerBlobBytes registry bytes served for the image's layer blobs (must be 0)
     * @param blobBytes      registry bytes served for all blobs (the config)
     * @param usage          the snapshotter's CPU and memory, the machine's noise
     */
    record CvmfsRun(String variant, int round, Duration pull, Duration run, long layerBlobBytes, long blobBytes,
            Usage usage) {}

    /**
     * A sample that failed: the run goes on, and exits 1 at the end.
     *
     * @param section where
     * @param what    which sample (image, link, variant, round)
     * @param message why
     */
    record Failure(Section section, String what, String message) {}
}
