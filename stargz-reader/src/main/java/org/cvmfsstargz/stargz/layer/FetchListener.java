package org.cvmfsstargz.stargz.layer;

/**
 * Told what a {@link LayerReader} and a {@link TocFetcher} fetch and what a reader serves, for
 * metrics. Implementations are thread-safe and fast, and must not block: they are called on FUSE
 * threads, right on the read path.
 */
public interface FetchListener {
    /** Tells nothing to anybody. */
    FetchListener NONE = new FetchListener() { };

    /**
     * One read of the blob source (one call, which the registry client may retry or split into
     * several HTTP requests) returned {@code bytes} compressed bytes in {@code ranges} ranges.
     */
    default void fetched(FetchPurpose purpose, int ranges, long bytes, long nanos) { }

    /** One read of the blob source failed (after the registry client's retries): nothing was fetched. */
    default void fetchFailed(FetchPurpose purpose) { }

    /** A read of a file was answered with {@code bytes} bytes; {@code fromCache} if no fetch was needed. */
    default void served(long bytes, boolean fromCache) { }

    /** A chunk failed verification and was not served. */
    default void verificationFailed() { }
}
