package org.cvmfsstargz.stargz.registry;

/**
 * A range of blob bytes, {@code [offset, offset + length)}. Immutable.
 *
 * @param offset the first byte
 * @param length how many bytes, at least 1
 */
public record ByteRange(long offset, int length) {
    public ByteRange {
        if (offset < 0 || length <= 0 || offset > Long.MAX_VALUE - length) {
            throw new IllegalArgumentException("bad range offset=" + offset + " length=" + length);
        }
    }

    /** The offset just past the last byte. */
    public long end() {
        return offset + length;
    }

    /** The HTTP {@code Range} spelling of this range, {@code first-last}, both inclusive. */
    public String httpSpec() {
        return offset + "-" + (end() - 1);
    }
}
