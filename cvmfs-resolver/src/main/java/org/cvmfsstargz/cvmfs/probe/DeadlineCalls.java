package org.cvmfsstargz.cvmfs.probe;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cvmfsstargz.cvmfs.resolve.Repository;

/**
 * Runs one filesystem call against a repository on a fresh platform thread and waits for it at
 * most the deadline. A call under {@code /cvmfs} can hang for ever when the FUSE process is
 * wedged (reference cvmfs.md §4.4), and such a thread can be neither interrupted nor killed: so
 * once a call has passed its deadline the repository counts as hung until that very call
 * returns, and every further call on it fails at once with {@link RepositoryHungException}
 * instead of parking one more thread on the same wedged mount.
 * Calls already running when the first one passes its deadline keep their own threads: the
 * pile-up is bounded by the callers' concurrency during one deadline.
 *
 * <p>Thread-safe; share one instance per process so that all users see the same hang state.
 * Holds no resources to close: a hung thread ends when its call finally returns.
 */
public final class DeadlineCalls {
    /** One blocking filesystem call. */
    @FunctionalInterface
    public interface IoCall<T> {
        T call() throws IOException;
    }

    private record Hang(Instant since, Path path) {}

    private final Duration deadline;
    private final ConcurrentMap<Repository, Hang> hung;
    private final boolean marks;

    public DeadlineCalls(Duration deadline) {
        this(deadline, new ConcurrentHashMap<>(), true);
    }

    private DeadlineCalls(Duration deadline, ConcurrentMap<Repository, Hang> hung, boolean marks) {
        Objects.requireNonNull(deadline, "deadline");
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + deadline);
        }
        this.deadline = deadline;
        this.hung = hung;
        this.marks = marks;
    }

    /**
     * A view of these calls for work nobody waits for yet (looking at layers before containerd
     * asks for them): it shares the hang state, so it skips a repository already hung at once, but
     * a call of its own that passes the deadline fails without marking the repository hung. Such a
     * call may be merely slow, and the decision about the repository belongs to the call someone
     * waits for.
     */
    public DeadlineCalls quiet() {
        return marks ? new DeadlineCalls(deadline, hung, false) : this;
    }

    public Duration deadline() {
        return deadline;
    }

    /** True while an earlier call on {@code repository} has passed its deadline and not returned. */
    public boolean isHung(Repository repository) {
        return hung.containsKey(repository);
    }

    /**
     * Runs {@code call}, which touches {@code path} in {@code repository}, with the deadline.
     *
     * @throws RepositoryHungException the deadline passed (the repository then counts as hung until
     *         the call returns, unless this is a {@link #quiet()} view), or it is already hung
     * @throws InterruptedIOException the caller was interrupted while waiting (flag restored)
     * @throws IOException what {@code call} threw
     */
    public <T> T call(Repository repository, Path path, IoCall<T> call) throws IOException {
        Hang earlier = hung.get(repository);
        if (earlier != null) {
            throw hungSince(repository, earlier);
        }
        Hang mine = new Hang(Instant.now(), path);
        CompletableFuture<T> result = new CompletableFuture<>();
        // A platform thread: a call stuck in the kernel would pin a virtual thread's carrier, and
        // with one carrier per core a few hung calls would stall every virtual thread of the
        // daemon, gRPC calls included.
        Thread.ofPlatform().daemon().name("cvmfs-call-" + repository.name()).start(() -> {
            try {
                result.complete(call.call());
            } catch (Throwable t) {
                result.completeExceptionally(t);
            } finally {
                // After completing: a waiter that timed out re-checks isDone() after marking.
                hung.remove(repository, mine);
            }
        });
        try {
            return result.get(deadline.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (marks) {
                hung.putIfAbsent(repository, mine);
                if (result.isDone()) {
                    hung.remove(repository, mine);
                }
            }
            throw new RepositoryHungException("repository " + repository + ": access to " + path
                    + " did not return within " + deadline.toMillis() + " ms; check the CVMFS"
                    + " client (cvmfs_config probe " + repository.name() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for " + path);
        } catch (ExecutionException e) {
            throw rethrow(e.getCause(), path);
        }
    }

    private static RepositoryHungException hungSince(Repository repository, Hang hang) {
        return new RepositoryHungException("repository " + repository + " hung since " + hang.since()
                + " (access to " + hang.path() + " has not returned); not trying again until it does");
    }

    private static IOException rethrow(Throwable cause, Path path) {
        return switch (cause) {
            case IOException io -> io;
            case RuntimeException re -> throw re;
            case Error err -> throw err;
            default -> new IOException("access to " + path + " failed", cause);
        };
    }
}
