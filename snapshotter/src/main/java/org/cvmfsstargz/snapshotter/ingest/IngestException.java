package org.cvmfsstargz.snapshotter.ingest;

/**
 * Why an ingest was refused: unreadable or malformed image, digest mismatch, unsafe tar entry,
 * unsupported media type or entry type. The message names the digest or path at fault and, where
 * one is known, a fix. The output directory holds no partial layer when this is thrown.
 */
public final class IngestException extends Exception {
    private static final long serialVersionUID = 1L;

    public IngestException(String message) {
        super(message);
    }

    public IngestException(String message, Throwable cause) {
        super(message, cause);
    }
}
