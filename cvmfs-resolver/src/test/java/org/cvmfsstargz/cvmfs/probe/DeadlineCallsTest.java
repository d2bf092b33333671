package org.cvmfsstargz.cvmfs.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.junit.jupiter.api.Test;

class DeadlineCallsTest {
    private static final Duration DEADLINE = Duration.ofMillis(100);
    private static final Repository REPOSITORY = new Repository(Path.of("/cvmfs"), "unpacked.cern.ch");
    private static final Path PATH = Path.of("/cvmfs/unpacked.cern.ch/.layers");

    @Test
    void aQuietCallPastItsDeadlineFailsWithoutMarkingTheRepositoryHung() throws Exception {
        DeadlineCalls calls = new DeadlineCalls(DEADLINE);
        CountDownLatch release = new CountDownLatch(1);
        try {
            assertThatThrownBy(() -> calls.quiet().call(REPOSITORY, PATH, () -> blockUntil(release)))
                    .isInstanceOf(RepositoryHungException.class).hasMessageContaining("did not return within 100 ms");

            assertThat(calls.isHung(REPOSITORY)).isFalse();
            assertThat(calls.call(REPOSITORY, PATH, () -> "answered")).isEqualTo("answered");
        } finally {
            release.countDown();
        }
    }

    @Test
    void aQuietViewSkipsARepositoryAlreadyHung() throws Exception {
        DeadlineCalls calls = new DeadlineCalls(Duration.ofMillis(600));
        CountDownLatch release = new CountDownLatch(1);
        try {
            assertThatThrownBy(() -> calls.call(REPOSITORY, PATH, () -> blockUntil(release)))
                    .isInstanceOf(RepositoryHungException.class);
            assertThat(calls.isHung(REPOSITORY)).isTrue();

            long started = System.nanoTime();
            Throwable refused = catchThrowable(() -> calls.quiet().call(REPOSITORY, PATH, () -> true));
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(300));
            assertThat(refused).isInstanceOf(RepositoryHungException.class).hasMessageContaining("hung since");
        } finally {
            release.countDown();
        }
    }

    private static boolean blockUntil(CountDownLatch release) throws InterruptedIOException {
        try {
            release.await();
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException();
        }
    }
}
