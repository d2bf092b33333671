package org.cvmfsstargz.it.support;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.it.support.HttpFraming.Framing;
import org.cvmfsstargz.it.support.HttpFraming.Head;

/**
 * The faults a {@link CountingProxy} puts into what it relays, switched on and off while it runs:
 * a registry that closes connections mid-body, stalls mid-body, answers 500, answers slowly, ignores
 * {@code Range} (or only suffix ranges), or serves a flipped bit. Delay and bandwidth slow every answer. The other faults hit only
 * <em>ranged blob reads</em>, GETs of {@code /v2/<name>/blobs/<digest>} with a {@code Range}
 * header, which is the lazy reader's traffic: whole-blob GETs, the way containerd pulls a layer,
 * pass unaltered. That is the realistic case (a registry or CDN whose range support breaks), and
 * it lets a layer that falls back to a normal pull still match its digest.
 *
 * <p>Thread-safe: each exchange reads the settings as it passes, and a fault limited to a number
 * of exchanges is taken by that many exchanges exactly. Owned by its proxy; nothing to close.
 */
public final class ProxyFaults {
    /** What {@link #applied} counts, one per exchange the fault changed. */
    public enum Kind {
        CUT, SERVER_ERROR, DELAYED, IGNORED_RANGE, IGNORED_SUFFIX_RANGE, FLIPPED_BIT,
        /** An answer held mid-body by {@link #stallRangedReads}. */
        STALLED,
        /** A stalled answer whose client closed the connection while it was held. */
        STALL_ABANDONED,
        /** A connection closed as it was accepted, by {@link #refuseConnections}. */
        REFUSED
    }

    /** How often a stalled answer looks whether its client went away or the fault was cleared. */
    private static final Duration STALL_POLL = Duration.ofMillis(20);

    private static final Pattern SINGLE_CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final byte[] SERVER_ERROR_BODY = "injected by the test proxy\n".getBytes(StandardCharsets.US_ASCII);

    private record Flip(String digest, long offset) {}

    private final AtomicInteger cuts = new AtomicInteger();
    private final AtomicInteger serverErrors = new AtomicInteger();
    private final AtomicInteger stalls = new AtomicInteger();
    /** Bumped by {@link #clear}: answers stalled before it go on. */
    private final AtomicLong stallGeneration = new AtomicLong();
    private volatile Duration delay = Duration.ZERO;
    private volatile long bytesPerSecond;
    private volatile boolean ignoreRange;
    private volatile boolean ignoreSuffixRange;
    private volatile boolean refuseConnections;
    private final Set<Flip> flips = ConcurrentHashMap.newKeySet();
    private final Map<Kind, AtomicLong> applied = new ConcurrentHashMap<>();
    /** When the simulated link is free again, in {@link System#nanoTime()} terms; guarded by this. */
    private long linkFreeAt;

    ProxyFaults() {
        for (Kind kind : Kind.values()) {
            applied.put(kind, new AtomicLong());
        }
    }

    /** The next {@code count} ranged blob reads are cut off: half the body, then the connection closes. */
    public ProxyFaults cutRangedReads(int count) {
        cuts.set(count);
        return this;
    }

    /**
     * The next {@code count} ranged blob reads send their head and half their body, then nothing:
     * the connection is held open until the client closes it (counted as {@link
     * Kind#STALL_ABANDONED}) or the fault is {@linkplain #clear cleared}, when the rest follows.
     * {@link Integer#MAX_VALUE} for a registry or CDN that stalls every range.
     */
    public ProxyFaults stallRangedReads(int count) {
        stalls.set(count);
        return this;
    }

    /**
     * The next {@code count} ranged blob reads are answered {@code 500 Internal Server Error} (the
     * registry's answer is read and dropped); {@link Integer#MAX_VALUE} for a registry that never recovers.
     */
    public ProxyFaults failRangedReads(int count) {
        serverErrors.set(count);
        return this;
    }

    /** Every answer waits {@code latency} before its head is sent; zero for none. */
    public ProxyFaults delayAnswers(Duration latency) {
        delay = latency;
        return this;
    }

    /** All bodies together pass at {@code rate} bytes per second, as over one slow link; zero for no limit. */
    public ProxyFaults limitBandwidth(long rate) {
        if (rate < 0) {
            throw new IllegalArgumentException("negative bandwidth " + rate);
        }
        bytesPerSecond = rate;
        return this;
    }

    /** Ranged blob reads go upstream without their {@code Range} header, so the registry sends the whole blob. */
    public ProxyFaults ignoreRange(boolean on) {
        ignoreRange = on;
        return this;
    }

    /**
     * Ranged blob reads whose range is a suffix ({@code bytes=-N}) go upstream without their
     * {@code Range} header, so the registry sends the whole blob (200), as a registry or storage
     * that does not implement suffix ranges does; ranges with a first byte pass unaltered.
     */
    public ProxyFaults ignoreSuffixRange(boolean on) {
        ignoreSuffixRange = on;
        return this;
    }

    /**
     * Flips the lowest bit of byte {@code offset} of blob {@code digest} ({@code sha256:<hex>}) in
     * every ranged read of it whose answer holds that byte: a {@code 206} with one {@code
     * Content-Range}, or a {@code 200} (a whole blob). Multipart answers pass unaltered.
     */
    public ProxyFaults flipBit(String digest, long offset) {
        flips.add(new Flip(digest, offset));
        return this;
    }

    /**
     * Every new connection is closed as soon as it is accepted, before a byte is read: the
     * registry is unreachable, whatever is asked (manifests, HEADs, whole blobs too). Connections
     * open already are left alone. Off again, new connections are relayed as before.
     */
    public ProxyFaults refuseConnections(boolean on) {
        refuseConnections = on;
        return this;
    }

    /** Whether connections are refused now ({@link #refuseConnections}); counts one {@link Kind#REFUSED} if so. */
    boolean refuses() {
        if (refuseConnections) {
            applied.get(Kind.REFUSED).incrementAndGet();
        }
        return refuseConnections;
    }

    /** Switches every fault off, lets stalled answers go on, and forgets what was applied. */
    public void clear() {
        cuts.set(0);
        stalls.set(0);
        stallGeneration.incrementAndGet();
        serverErrors.set(0);
        delay = Duration.ZERO;
        bytesPerSecond = 0;
        ignoreRange = false;
        ignoreSuffixRange = false;
        refuseConnections = false;
        flips.clear();
        applied.values().forEach(n -> n.set(0));
    }

    /** How many exchanges {@code kind} changed since the proxy started or was last {@link #clear cleared}. */
    public long applied(Kind kind) {
        return applied.get(kind).get();
    }

    /** The request head to send upstream: {@code head} without its {@code Range} field if ranges are ignored. */
    Head forward(Head head, boolean rangedRead) {
        boolean suffix = head.field("Range").map(r -> r.trim().startsWith("bytes=-")).orElse(false);
        if (!rangedRead || !(ignoreRange || ignoreSuffixRange && suffix)) {
            return head;
        }
        List<String> fields = head.fields().stream().filter(f -> !f.toLowerCase(Locale.ROOT).startsWith("range:"))
                .toList();
        StringBuilder raw = new StringBuilder(head.startLine()).append("\r\n");
        fields.forEach(f -> raw.append(f).append("\r\n"));
        raw.append("\r\n");
        applied.get(ignoreRange ? Kind.IGNORED_RANGE : Kind.IGNORED_SUFFIX_RANGE).incrementAndGet();
        return new Head(raw.toString().getBytes(StandardCharsets.ISO_8859_1), head.startLine(), fields);
    }

    /**
     * Relays one answer, {@code response} and its body from {@code in}, to {@code out} with the
     * faults that apply to it, adding the body bytes the client gets to {@code served}. Does not flush.
     *
     * @param blobDigest the blob the request named, if it named one
     * @param clientGone whether the client has closed its side of the connection
     * @return the status the client gets
     * @throws IOException if a peer fails, or the answer is cut (after the bytes before the cut are flushed)
     */
    int relay(boolean rangedRead, Optional<String> blobDigest, Head response, int status, Framing framing,
            InputStream in, OutputStream out, AtomicLong served, BooleanSupplier clientGone) throws IOException {
        Duration wait = delay;
        if (wait.isPositive()) {
            applied.get(Kind.DELAYED).incrementAndGet();
            sleep(wait.toNanos());
        }
        if (rangedRead && take(serverErrors)) {
            HttpFraming.relayBody(in, OutputStream.nullOutputStream(), framing, new AtomicLong());
            applied.get(Kind.SERVER_ERROR).incrementAndGet();
            out.write(("HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: "
                    + SERVER_ERROR_BODY.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(SERVER_ERROR_BODY);
            served.addAndGet(SERVER_ERROR_BODY.length);
            return 500;
        }
        out.write(response.raw());
        long cutAt = Long.MAX_VALUE;
        if (rangedRead && status / 100 == 2 && framing instanceof Framing.Fixed fixed && fixed.length() > 1
                && take(cuts)) {
            applied.get(Kind.CUT).incrementAndGet();
            cutAt = fixed.length() / 2;
        }
        long stallAt = Long.MAX_VALUE;
        if (rangedRead && status / 100 == 2 && framing instanceof Framing.Fixed fixed && fixed.length() > 1
                && take(stalls)) {
            applied.get(Kind.STALLED).incrementAndGet();
            stallAt = fixed.length() / 2;
        }
        long[] flipAt = rangedRead ? flipsIn(blobDigest, response, status, framing) : new long[0];
        if (cutAt == Long.MAX_VALUE && stallAt == Long.MAX_VALUE && flipAt.length == 0 && bytesPerSecond == 0) {
            HttpFraming.relayBody(in, out, framing, served);
            return status;
        }
        FaultyBody body = new FaultyBody(out, cutAt, flipAt, stallAt, clientGone);
        try {
            HttpFraming.relayBody(in, body, framing, served);
        } catch (IOException e) {
            served.set(body.position); // the relay counts a write only once it returns, and the cut one throws
            throw e;
        }
        return status;
    }

    /** Body positions to flip: where this answer holds a byte {@link #flipBit} names. */
    private long[] flipsIn(Optional<String> blobDigest, Head response, int status, Framing framing) {
        if (blobDigest.isEmpty() || flips.isEmpty() || !(framing instanceof Framing.Fixed fixed)) {
            return new long[0];
        }
        long start;
        if (status == 200) {
            start = 0;
        } else if (status == 206) {
            Optional<Matcher> range = response.field("Content-Range").map(SINGLE_CONTENT_RANGE::matcher)
                    .filter(Matcher::matches);
            if (range.isEmpty()) {
                return new long[0]; // multipart/byteranges
            }
            start = Long.parseLong(range.get().group(1));
        } else {
            return new long[0];
        }
        long[] at = flips.stream().filter(f -> f.digest().equals(blobDigest.get()))
                .mapToLong(f -> f.offset() - start).filter(p -> p >= 0 && p < fixed.length()).sorted().toArray();
        applied.get(Kind.FLIPPED_BIT).addAndGet(at.length > 0 ? 1 : 0);
        return at;
    }

    private static boolean take(AtomicInteger left) {
        return left.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    /** Nanoseconds to wait before sending {@code bytes} more over the simulated link; 0 without a limit. */
    private synchronized long linkWait(int bytes) {
        long rate = bytesPerSecond;
        if (rate == 0) {
            return 0;
        }
        long now = System.nanoTime();
        long start = Math.max(now, linkFreeAt);
        linkFreeAt = start + bytes * 1_000_000_000L / rate;
        return linkFreeAt - now;
    }

    private static void sleep(long nanos) throws InterruptedIOException {
        try {
            Thread.sleep(Duration.ofNanos(nanos));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("proxy closed while a fault delayed an answer");
        }
    }

    /** A body on its way to the client: paced, with bits flipped, held at {@code stallAt}, cut off at {@code cutAt}. */
    private final class FaultyBody extends FilterOutputStream {
        private final long cutAt;
        private final long[] flipAt;
        private final long stallAt;
        private final BooleanSupplier clientGone;
        private final long generation = stallGeneration.get();
        private boolean stalled;
        private long position;

        FaultyBody(OutputStream out, long cutAt, long[] flipAt, long stallAt, BooleanSupplier clientGone) {
            super(out);
            this.cutAt = cutAt;
            this.flipAt = flipAt;
            this.stallAt = stallAt;
            this.clientGone = clientGone;
        }

        /** Sends what came before {@code stallAt}, then nothing until the client leaves or the fault is cleared. */
        private void stall() throws IOException {
            stalled = true;
            out.flush();
            while (stallGeneration.get() == generation) {
                if (clientGone.getAsBoolean()) {
                    applied.get(Kind.STALL_ABANDONED).incrementAndGet();
                    throw new IOException("the client closed an answer stalled after " + position + " body bytes");
                }
                sleep(STALL_POLL.toNanos());
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (!stalled && position + len > stallAt) {
                int before = (int) (stallAt - position);
                write(b, off, before);
                stall();
                write(b, off + before, len - before);
                return;
            }
            int passing = (int) Math.min(len, cutAt - position);
            byte[] bytes = Arrays.copyOfRange(b, off, off + passing);
            for (long p : flipAt) {
                if (p >= position && p < position + passing) {
                    bytes[(int) (p - position)] ^= 1;
                }
            }
            long wait = linkWait(passing);
            if (wait > 0) {
                sleep(wait);
            }
            out.write(bytes);
            position += passing;
            if (passing < len) {
                out.flush();
                throw new IOException("answer cut after " + position + " body bytes by an injected fault");
            }
        }
    }
}
