package org.cvmfsstargz.stargz.fuse;

/**
 * Hears about every FUSE operation a {@link LayerFilesystem} answers, for metrics. Called on
 * libfuse's worker threads, several at once, right after the answer is ready and before libfuse
 * sends it: implementations must be thread-safe and quick, and must not block. What they throw is
 * logged and dropped.
 */
@FunctionalInterface
public interface FuseOperationListener {
    /** Hears nothing. */
    FuseOperationListener NONE = (operation, nanos, ok) -> { };

    /**
     * @param operation the libfuse operation name: {@code getattr}, {@code readdir},
     *     {@code read}, {@code getxattr}, ...
     * @param nanos how long the filesystem took to answer
     * @param ok false if the layer failed to answer (EIO: a fetch or verification failure, or a
     *     bug); true for every proper answer, including "no such file" and "read-only"
     */
    void completed(String operation, long nanos, boolean ok);
}
