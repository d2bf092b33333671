package org.cvmfsstargz.bench.startup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** The figures the eStargz benchmark collects, one record per measurement. Immutable. */
final class EstargzSamples {
    private EstargzSamples() {}

    /**
     * One start-up on a fresh containerd and daemon.
     *
     * @param variant     how the image got onto the node
     * @param slow        whether it was pulled over the slow link
     * @param round       which repetition (from 1)
     * @param pull        exec of the pull command to its exit
     * @param firstOutput exec of the pull command to the container's first byte of output
     * @param blobBytes   response body bytes the registry served for blob paths
     * @param requests    requests the registry answered
     * @param othersShare others' share of all processors during the run, if readable
     * @param daemonPeakRss the daemon's VmHWM just before it was stopped, bytes
     * @param daemonExit  the daemon's exit status on SIGTERM
     */
    record StartUp(EstargzVariant variant, boolean slow, int round, Duration pull, Duration firstOutput,
            long blobBytes, int requests, Optional<Double> othersShare, long daemonPeakRss, int daemonExit) {

        /** This start-up with the daemon's exit status, known once it has been stopped. */
        StartUp withDaemonExit(int exit) {
            return new StartUp(variant, slow, round, pull, firstOutput, blobBytes, requests, othersShare,
                    daemonPeakRss, exit);
        }
    }

    /**
     * One timed sequential read of the large file inside a container.
     *
     * @param read       which read: {@code lazy cold}, {@code lazy cached}, {@code normal}...
     * @param variant    which daemon served it
     * @param pageCacheDropped whether the kernel's page cache was dropped just before
     * @param bytes      the file's size
     * @param time       what {@code dd bs=1M} took, as busybox {@code time} measured it (10 ms resolution)
     * @param blobBytes  registry blob bytes served during the read
     */
    record Read(String read, EstargzVariant variant, boolean pageCacheDropped, long bytes, Duration time,
            long blobBytes) {
        double mbPerSecond() {
            return bytes / 1e6 / (time.toNanos() / 1e9);
        }
    }

    /** The daemon's peak resident set so far: VmHWM of {@code /proc/<pid>/status}, bytes; 0 if unreadable. */
    static long peakRss(long pid) {
        try {
            return Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))
                    .stream().filter(l -> l.startsWith("VmHWM:")).findFirst()
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
