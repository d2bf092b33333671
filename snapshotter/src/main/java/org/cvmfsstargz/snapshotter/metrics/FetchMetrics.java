package org.cvmfsstargz.snapshotter.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.stargz.layer.FetchListener;
import org.cvmfsstargz.stargz.layer.FetchPurpose;

/**
 * Counts what the eStargz source fetches from registries and serves to containers:
 * <ul>
 *   <li>{@code cvmfs_stargz_registry_fetch_seconds{purpose}}: reads of layer blobs and their
 *       duration, {@code cvmfs_stargz_registry_fetch_failures_total{purpose}} those that failed,
 *       {@code cvmfs_stargz_registry_fetched_bytes_total{purpose}} and
 *       {@code cvmfs_stargz_registry_fetched_ranges_total{purpose}} what they brought, where
 *       {@code purpose} is a {@link FetchPurpose} in lower case;
 *   <li>{@code cvmfs_stargz_fuse_served_bytes_total{from}}: bytes of files read through FUSE,
 *       {@code from="cache"} when every chunk of the read was cached, else {@code "registry"};
 *   <li>{@code cvmfs_stargz_chunk_verification_failures_total}: chunks refused for their digest.
 * </ul>
 * Every series is registered up front, at zero, and resolved once: the listener is called on FUSE
 * threads, for every read. Thread-safe.
 */
public final class FetchMetrics implements FetchListener {
    static final String FETCH = "cvmfs.stargz.registry.fetch";
    static final String FAILURES = "cvmfs.stargz.registry.fetch.failures";
    static final String FETCHED_BYTES = "cvmfs.stargz.registry.fetched.bytes";
    static final String FETCHED_RANGES = "cvmfs.stargz.registry.fetched.ranges";
    static final String SERVED_BYTES = "cvmfs.stargz.fuse.served.bytes";
    static final String VERIFICATION_FAILURES = "cvmfs.stargz.chunk.verification.failures";
    /** From a range served by a registry next door to a large range over a slow link. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(25), Duration.ofMillis(100),
        Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofSeconds(10), Duration.ofSeconds(60)};

    /** The meters of one purpose. */
    private record Fetches(Timer timer, Counter failures, Counter bytes, Counter ranges) {}

    /** By {@link FetchPurpose#ordinal()}. */
    private final Fetches[] fetches;
    private final Counter servedFromCache;
    private final Counter servedAfterFetch;
    private final Counter verificationFailures;

    public FetchMetrics(MeterRegistry registry) {
        FetchPurpose[] purposes = FetchPurpose.values();
        fetches = new Fetches[purposes.length];
        for (FetchPurpose purpose : purposes) {
            String tag = purpose.name().toLowerCase(Locale.ROOT);
            fetches[purpose.ordinal()] = new Fetches(
                    Timer.builder(FETCH).description("Reads of eStargz layer blobs from registries, by purpose")
                            .tag("purpose", tag).serviceLevelObjectives(BUCKETS).register(registry),
                    Counter.builder(FAILURES).description("Reads of eStargz layer blobs that failed after retries,"
                            + " by purpose").tag("purpose", tag).register(registry),
                    Counter.builder(FETCHED_BYTES).description("Compressed bytes of eStargz layers fetched from"
                            + " registries, by purpose").tag("purpose", tag).register(registry),
                    Counter.builder(FETCHED_RANGES).description("Byte ranges of eStargz layers fetched from"
                            + " registries, by purpose").tag("purpose", tag).register(registry));
        }
        servedFromCache = served(registry, "cache");
        servedAfterFetch = served(registry, "registry");
        verificationFailures = Counter.builder(VERIFICATION_FAILURES)
                .description("Chunks of eStargz layers that failed verification and were not served")
                .register(registry);
    }

    private static Counter served(MeterRegistry registry, String from) {
        return Counter.builder(SERVED_BYTES)
                .description("Bytes of eStargz layers' files read through FUSE, by whether the read was answered"
                        + " from the cache alone or waited for the registry")
                .tag("from", from)
                .register(registry);
    }

    @Override
    public void fetched(FetchPurpose purpose, int ranges, long bytes, long nanos) {
        Fetches meters = fetches[purpose.ordinal()];
        meters.timer().record(nanos, TimeUnit.NANOSECONDS);
        meters.bytes().increment(bytes);
        meters.ranges().increment(ranges);
    }

    @Override
    public void fetchFailed(FetchPurpose purpose) {
        fetches[purpose.ordinal()].failures().increment();
    }

    @Override
    public void served(long bytes, boolean fromCache) {
        (fromCache ? servedFromCache : servedAfterFetch).increment(bytes);
    }

    @Override
    public void verificationFailed() {
        verificationFailures.increment();
    }
}
