package org.cvmfsstargz.bench.compare;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.cvmfsstargz.bench.compare.Samples.Failure;
import org.cvmfsstargz.bench.startup.Cleanup;
import org.cvmfsstargz.bench.startup.ThrottledProxy;
import org.cvmfsstargz.it.support.CountingProxy;

/**
 * What every section of one run shares: the options, the run's temporary directory, the
 * processes to stop on the way out, the registry's two ways in (the counting proxy, and the
 * throttling relay in front of it), the failures so far, and the progress clock. Made by
 * {@link CompareBenchmark}.
 *
 * <p>Not thread-safe: the sections run one sample at a time on the main thread.
 */
final class RunContext {
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

    private final CompareOptions options;
    private final Path tmp;
    private final Cleanup cleanup;
    private final CountingProxy proxy;
    private final ThrottledProxy slow;
    private final int nproc;
    private final long begin = System.nanoTime();
    private final List<Failure> failures = new ArrayList<>();
    private volatile boolean stopping;
    private int samples;

    RunContext(CompareOptions options, Path tmp, Cleanup cleanup, CountingProxy proxy, ThrottledProxy slow,
            int nproc) {
        this.options = options;
        this.tmp = tmp;
        this.cleanup = cleanup;
        this.proxy = proxy;
        this.slow = slow;
        this.nproc = nproc;
    }

    CompareOptions options() {
        return options;
    }

    Path tmp() {
        return tmp;
    }

    Cleanup cleanup() {
        return cleanup;
    }

    CountingProxy proxy() {
        return proxy;
    }

    int nproc() {
        return nproc;
    }

    /** The registry's {@code host:port} over {@code link}. */
    String hostPort(Link link) {
        return link == Link.SLOW ? slow.hostPort() : proxy.hostPort();
    }

    /** Ctrl-C: the sections start no further sample. */
    void stop() {
        stopping = true;
    }

    boolean stopping() {
        return stopping;
    }

    /** A new, short directory for the next sample (Unix socket paths must stay under 108 bytes). */
    Path sampleDir() {
        return tmp.resolve("s" + ++samples);
    }

    /** A container id unique within the run. */
    String containerId() {
        return "bench-" + samples;
    }

    List<Failure> failures() {
        return List.copyOf(failures);
    }

    /** Records a failed sample and says so; the run goes on. */
    void fail(Section section, String what, Exception e) {
        failures.add(new Failure(section, what, String.valueOf(e.getMessage())));
        progress("FAILED " + what + ": " + e.getMessage());
    }

    /** Writes back dirty pages, then drops the page cache, dentries and inodes, unless the options say not to. */
    void dropCaches() throws IOException {
        if (!options.dropCaches()) {
            return;
        }
        Shell.ok(List.of("sync"), Duration.ofMinutes(5));
        Files.writeString(DROP_CACHES, "3\n");
    }

    /** The variants in the order of {@code round}: rotated by one each round, so none always goes first. */
    static List<Variant> rotated(List<Variant> variants, int round) {
        List<Variant> order = new ArrayList<>();
        for (int i = 0; i < variants.size(); i++) {
            order.add(variants.get((i + round - 1) % variants.size()));
        }
        return order;
    }

    /** Says, once a sample, how containerd's first calls to the snapshotter failed, if they did. */
    void connectNote(ColdNode node) {
        if (node.connectFailures() > 0) {
            progress(String.format(Locale.ROOT, "  containerd reached %s after %d failed call(s), the first: %s",
                    node.snapshotter().variant().label(), node.connectFailures(), node.firstConnectError()));
        }
    }

    /** A progress line on standard error, with the time since the run began. */
    void progress(String message) {
        System.err.printf(Locale.ROOT, "compare-bench [%6.1f s] %s%n", (System.nanoTime() - begin) / 1e9, message);
    }

    /** The configuration of ours in the start-up and read sections: the defaults, without the metrics endpoint. */
    static String oursDefaultConfig() {
        return "# the built-in defaults, but no metrics endpoint (its port is fixed; other daemons may hold it)\n"
                + "[metrics]\nenabled = false\n";
    }
}
