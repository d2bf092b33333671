package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import org.cvmfsstargz.stargz.format.TocEntry;

/**
 * The verified bytes of a layer's regular files, as a filesystem reads them. Implementations are
 * thread-safe: a FUSE mount reads on many threads at once.
 */
public interface ContentReader {
    /**
     * Copies up to {@code length} bytes of regular file {@code file}, starting at file offset
     * {@code offset}, into {@code dst[0, length)}.
     *
     * @return how many bytes were copied: {@code length}, or fewer where the file ends; 0 at or
     *     past its end
     * @throws IOException if the bytes could not be fetched, or failed verification (never served)
     */
    int read(TocEntry file, long offset, byte[] dst, int length) throws IOException;
}
