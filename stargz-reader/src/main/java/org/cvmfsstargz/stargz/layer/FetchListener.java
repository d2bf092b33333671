package org.cvmfsstargz.stargz.layer;

/**
 * Told what a {@link LayerReader} fetches and serves, for metrics. Implementations are
 * thread-safe and fast: they are called on FUSE threads.
 */
public interface FetchListener {
    /** Tells nothing to anybody. */
    FetchListener NONE = new FetchListener() { };

    /** One request to the blob source returned {@code bytes} compressed bytes in {@code ranges} ranges. */
    default void fetched(int ranges, long bytes, long nanos) { }

    /** A read of a file was answered with {@code bytes} bytes; {@code fromCache} if no fetch was needed. */
    default void served(long bytes, boolean fromCache) { }

    /** A chunk failed verification and was not served. */
    default void verificationFailed() { }
}
