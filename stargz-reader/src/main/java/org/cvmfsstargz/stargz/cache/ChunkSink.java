package org.cvmfsstargz.stargz.cache;

import java.io.IOException;
import java.io.OutputStream;

/**
 * A chunk written into a cache while it is being verified, so that it never has to be held whole
 * in memory: its bytes go to {@link #stream()}, {@link #commit()} makes them the entry once the
 * writer has checked them, and {@link #close()} without a commit discards them. Nothing written to
 * a sink is ever read before its commit.
 *
 * <p>Not thread-safe: one writer, which closes it.
 */
public interface ChunkSink extends AutoCloseable {
    /** Where the chunk's bytes go, in order. */
    OutputStream stream();

    /**
     * Makes what was written the entry of the sink's key; call only after the bytes were verified.
     *
     * @throws IOException if it could not be stored (nothing is stored then)
     */
    void commit() throws IOException;

    /** Discards what was written, unless committed; idempotent. */
    @Override
    void close();
}
