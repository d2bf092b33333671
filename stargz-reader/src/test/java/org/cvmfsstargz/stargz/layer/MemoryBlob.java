package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.cvmfsstargz.stargz.registry.ByteRange;

/** A blob in memory that records every request and can fail or flip a byte on demand. Thread-safe. */
final class MemoryBlob implements BlobSource {
    private final byte[] bytes;
    private final List<List<ByteRange>> requests = new CopyOnWriteArrayList<>();
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile long flipAt = -1;
    private volatile long delayMillis;

    MemoryBlob(byte[] bytes) {
        this.bytes = bytes.clone();
    }

    /** Every later read throws. */
    void fail(boolean fail) {
        failing.set(fail);
    }

    /** Later reads return this blob offset's byte inverted. */
    void flipByteAt(long offset) {
        flipAt = offset;
    }

    /** Later reads take this long. */
    void delay(long millis) {
        delayMillis = millis;
    }

    List<List<ByteRange>> requests() {
        return List.copyOf(requests);
    }

    long bytesServed() {
        return requests.stream().flatMap(List::stream).mapToLong(ByteRange::length).sum();
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public List<byte[]> read(List<ByteRange> ranges) throws IOException {
        requests.add(List.copyOf(ranges));
        if (delayMillis > 0) {
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                throw new IOException("interrupted", e);
            }
        }
        if (failing.get()) {
            throw new IOException("connection reset (test)");
        }
        List<byte[]> out = new ArrayList<>();
        for (ByteRange range : ranges) {
            byte[] slice = Arrays.copyOfRange(bytes, (int) range.offset(), (int) Math.min(bytes.length, range.end()));
            long flip = flipAt;
            if (flip >= range.offset() && flip < range.offset() + slice.length) {
                slice[(int) (flip - range.offset())] ^= (byte) 0xff;
            }
            out.add(slice);
        }
        return out;
    }

    @Override
    public String describe() {
        return "memory blob";
    }
}
