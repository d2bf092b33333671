package org.cvmfsstargz.snapshotter.diagnose;

/**
 * The size of a layer's TOC: its gzip member in the blob, and the JSON inside.
 *
 * @param compressed the TOC section of the blob, footer excluded
 * @param json       the {@code stargz.index.json} tar entry's length
 */
public record TocSizes(long compressed, long json) {
    public TocSizes {
        if (compressed < 0 || json < 0) {
            throw new IllegalArgumentException("negative TOC size " + compressed + "/" + json);
        }
    }
}
