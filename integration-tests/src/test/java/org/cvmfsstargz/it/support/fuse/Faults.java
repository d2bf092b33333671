package org.cvmfsstargz.it.support.fuse;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The faults a {@link FaultyFuse} injects: path prefixes whose operations fail with EIO, and path
 * prefixes whose operations block. Paths are relative to the mount root, without leading or
 * trailing slash; the empty prefix is the root and so covers every path.
 *
 * <p>A hang lasts until released, or at most a limit, after which the operation fails with EIO:
 * a test whose own thread is stuck in a system call on the mount cannot release it, the kernel
 * does not let JUnit interrupt that call, and without a limit the build would stall.
 *
 * <p>Thread-safe: the test thread changes faults while FUSE worker threads consult them. Every
 * change wakes the blocked workers, which then look again.
 */
final class Faults {
    private final Duration hangLimit;
    private final Set<String> eio = new HashSet<>();
    private final Set<String> hangs = new HashSet<>();
    private int hung;
    private boolean closed;

    Faults(Duration hangLimit) {
        this.hangLimit = hangLimit;
    }

    synchronized void failWithEio(String prefix) {
        eio.add(normalize(prefix));
    }

    synchronized void hang(String prefix) {
        if (closed) {
            throw new IllegalStateException("the filesystem is closed: nothing can hang any more");
        }
        hangs.add(normalize(prefix));
    }

    /** Drops every hang fault, so blocked operations go on (and fail if an EIO fault covers them). */
    synchronized void release() {
        hangs.clear();
        notifyAll();
    }

    synchronized void clear() {
        eio.clear();
        hangs.clear();
        notifyAll();
    }

    /** Releases blocked operations for good: unmounting must not wait on a hang set by a test. */
    synchronized void close() {
        closed = true;
        release();
    }

    /** Operations blocked in {@link #admit} right now. */
    synchronized int hungCalls() {
        return hung;
    }

    /**
     * Blocks while {@code path} is under a hang prefix (at most the hang limit), then says
     * whether the operation may go on ({@code false}: it must fail with EIO).
     */
    synchronized boolean admit(String path) {
        long deadline = System.nanoTime() + hangLimit.toNanos();
        while (covered(hangs, path)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            hung++;
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } finally {
                hung--;
            }
        }
        return !covered(eio, path);
    }

    private static boolean covered(Set<String> prefixes, String path) {
        for (String prefix : prefixes) {
            if (prefix.isEmpty() || path.equals(prefix) || path.startsWith(prefix + "/")) {
                return true;
            }
        }
        return false;
    }

    /** "/a/b/", "a/b" and "a/b/" are the same prefix; "a/b" does not cover "a/bc". */
    static String normalize(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        if (trimmed.isEmpty()) {
            return "";
        }
        for (String segment : trimmed.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("not a plain relative path: \"" + path + "\"");
            }
        }
        return trimmed;
    }
}
