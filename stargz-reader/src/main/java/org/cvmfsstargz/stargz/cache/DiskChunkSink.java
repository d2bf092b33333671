package org.cvmfsstargz.stargz.cache;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;

/**
 * A {@link ChunkSink} into a {@link DiskChunkCache}: a temporary file beside the entry, renamed to
 * the entry at {@link #commit} (room for it reserved in the index from the start), deleted if the
 * sink is closed without one. Writes go through a 256 KiB buffer, so that the JDK's temporary
 * direct buffer for each write stays within its per-thread cache.
 *
 * <p>Not thread-safe: one writer, which closes it.
 */
final class DiskChunkSink implements ChunkSink {
    private static final int BUFFER_BYTES = 256 << 10;

    private final DiskChunkCache cache;
    private final ChunkKey key;
    private final long size;
    private final CacheDirectory.Staging staging;
    private final CountingStream stream;
    private boolean done;

    DiskChunkSink(DiskChunkCache cache, ChunkKey key, long size, CacheDirectory.Staging staging) {
        this.cache = cache;
        this.key = key;
        this.size = size;
        this.staging = staging;
        this.stream = new CountingStream(new BufferedOutputStream(Channels.newOutputStream(staging.channel()),
                BUFFER_BYTES));
    }

    @Override
    public OutputStream stream() {
        return stream;
    }

    @Override
    public void commit() throws IOException {
        if (done) {
            throw new IllegalStateException("the sink of " + key + " is already closed");
        }
        try {
            stream.flush();
        } catch (IOException e) {
            close();
            throw e;
        }
        if (stream.count != size) {
            close();
            throw new IOException("the sink of " + key + " took " + stream.count + " bytes, not " + size);
        }
        done = true;
        cache.commit(key, size, staging);
    }

    @Override
    public void close() {
        if (!done) {
            done = true;
            cache.abandon(size, staging);
        }
    }

    /** Counts what passes, so that a commit of fewer or more bytes than announced is refused. */
    private static final class CountingStream extends java.io.FilterOutputStream {
        private long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
