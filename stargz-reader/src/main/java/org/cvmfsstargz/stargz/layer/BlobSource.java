package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.List;
import org.cvmfsstargz.stargz.registry.ByteRange;

/**
 * The compressed bytes of one layer blob, read by range: a registry in the daemon, a byte array in
 * tests. Implementations are thread-safe and bound every call by their own deadline.
 */
public interface BlobSource {
    /** The blob's length in bytes. */
    long size();

    /**
     * The bytes of each of {@code ranges} (sorted, not overlapping), in the same order; each is
     * exactly as long as its range, shorter only where the blob ends first.
     *
     * @throws IOException if the bytes could not be read
     */
    List<byte[]> read(List<ByteRange> ranges) throws IOException;

    /** Where the bytes come from, for error messages and logs: a registry URL or a digest; no secret. */
    String describe();
}
