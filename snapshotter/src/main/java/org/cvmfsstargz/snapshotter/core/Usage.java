package org.cvmfsstargz.snapshotter.core;

/**
 * Disk space a snapshot's own directory uses, parents excluded.
 *
 * @param size   bytes allocated (st_blocks * 512 over distinct inodes)
 * @param inodes distinct inodes
 */
public record Usage(long size, long inodes) {
    public static final Usage ZERO = new Usage(0, 0);

    public Usage {
        if (size < 0 || inodes < 0) {
            throw new IllegalArgumentException("usage cannot be negative: size=" + size + " inodes=" + inodes);
        }
    }
}
