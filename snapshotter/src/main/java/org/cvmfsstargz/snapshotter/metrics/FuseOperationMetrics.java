package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.cvmfsstargz.stargz.fuse.FuseOperationListener;

/**
 * Times the FUSE operations of every mounted eStargz layer by operation:
 * {@code cvmfs_stargz_fuse_operation_seconds{operation="read"}}, with a few histogram buckets,
 * and counts those the layer failed (EIO: a fetch or verification failure) in
 * {@code cvmfs_stargz_fuse_operation_errors_total{operation}}. Answers such as "no such file" are
 * not failures: overlayfs and the dynamic linker ask for names that do not exist all the time.
 *
 * <p>Called on libfuse's worker threads for every operation, so the meters of the operations
 * {@code LayerFilesystem} answers are registered up front (at zero, so that {@code increase()}
 * sees the first error) and looked up without allocating; an operation outside that list gets
 * its meters on first use. Operation names come from the library's code, never from a request,
 * so the label's values stay few. Thread-safe.
 */
public final class FuseOperationMetrics implements FuseOperationListener {
    static final String NAME = "cvmfs.stargz.fuse.operation";
    static final String ERRORS = "cvmfs.stargz.fuse.operation.errors";
    /** The operations {@code LayerFilesystem} answers; the others are refused by its read-only stub, untimed. */
    static final List<String> OPERATIONS = List.of("getattr", "readdir", "readlink", "open", "read", "getxattr",
            "listxattr", "statfs", "access");
    /** From a lookup in the TOC (microseconds) to a read that waits for a slow registry. */
    private static final Duration[] BUCKETS = {Duration.ofNanos(100_000), Duration.ofMillis(1), Duration.ofMillis(10),
        Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofSeconds(10)};

    private record Meters(Timer timer, Counter errors) {}

    private final MeterRegistry registry;
    private final Map<String, Meters> known;
    private final Map<String, Meters> others = new ConcurrentHashMap<>();

    public FuseOperationMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.known = Map.copyOf(OPERATIONS.stream().collect(Collectors.toMap(Function.identity(), this::register)));
    }

    @Override
    public void completed(String operation, long nanos, boolean ok) {
        Meters meters = known.get(operation);
        if (meters == null) {
            meters = others.computeIfAbsent(operation, this::register);
        }
        meters.timer().record(nanos, TimeUnit.NANOSECONDS);
        if (!ok) {
            meters.errors().increment();
        }
    }

    private Meters register(String operation) {
        Timer timer = Timer.builder(NAME)
                .description("FUSE operations answered by eStargz layers, by operation")
                .tag("operation", operation)
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
        Counter errors = Counter.builder(ERRORS)
                .description("FUSE operations an eStargz layer failed (answered EIO), by operation")
                .tag("operation", operation)
                .register(registry);
        return new Meters(timer, errors);
    }
}
