package org.cvmfsstargz.stargz.layer;

/**
 * Why bytes of a layer blob were fetched, as a {@link FetchListener} hears it: a closed set, so
 * that metrics can count by it.
 */
public enum FetchPurpose {
    /** The footer and TOC, when a layer is mounted ({@link TocFetcher}). */
    TOC,
    /** Chunks a read of a file waits for, with the read-ahead fetched alongside ({@link LayerReader#read}). */
    ON_DEMAND,
    /** The range a layer's {@code .prefetch.landmark} marks, fetched at mount ({@link BackgroundFetch}). */
    PREFETCH,
    /** The rest of a layer, fetched while nothing reads it ({@link BackgroundFetch}). */
    BACKGROUND
}
