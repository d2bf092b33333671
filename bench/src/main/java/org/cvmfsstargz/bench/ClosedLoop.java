package org.cvmfsstargz.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

/**
 * A closed loop of clients: each client is one platform thread that makes its next call as
 * soon as the previous one returns, so the offered load is whatever the daemon sustains (the
 * way containerd's unpack goroutines call it). All clients start together; the run's time is
 * from that start until the last client's last call returned.
 *
 * <p>Not thread-safe; one run at a time. Holds no resources between runs.
 */
final class ClosedLoop {

    /** One timed unit of work: call {@code seq} of client {@code client}. Must be thread-safe. */
    @FunctionalInterface
    interface Operation {
        void run(int client, long seq);
    }

    private final Supplier<CpuClock.Reading> cpu;

    /** {@code cpu} reads the CPU clocks, so each run can say what it cost the daemon, itself and others. */
    ClosedLoop(Supplier<CpuClock.Reading> cpu) {
        this.cpu = cpu;
    }

    /** Runs {@code operation} from {@code clients} threads within {@code budget}, and measures it. */
    Measurement run(String workload, int clients, Budget budget, Operation operation) {
        List<Client> threads = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        long[] start = new long[1];
        for (int i = 0; i < clients; i++) {
            Client client = new Client(i, budget, operation, ready, go, start);
            threads.add(client);
            client.thread.start();
        }
        awaitQuietly(ready);
        CpuClock.Reading before = cpu.get();
        start[0] = System.nanoTime();
        go.countDown();
        threads.forEach(Client::join);
        long end = threads.stream().mapToLong(c -> c.end).max().orElse(start[0]);
        CpuClock.Reading used = cpu.get().since(before);
        long[] latencies = threads.stream().flatMapToLong(c -> Arrays.stream(c.latencies, 0, c.count)).toArray();
        long errors = threads.stream().mapToLong(c -> c.errors).sum();
        Optional<String> firstError = threads.stream().flatMap(c -> c.firstError.stream()).findFirst();
        return Measurement.of(workload, clients, latencies, errors, firstError, Duration.ofNanos(end - start[0]),
                used);
    }

    /** One client's thread and what it recorded; read only after {@link #join()}. */
    private static final class Client {
        private final Thread thread;
        private long[] latencies = new long[4096];
        private int count;
        private long errors;
        private Optional<String> firstError = Optional.empty();
        private long end;

        Client(int id, Budget budget, Operation operation, CountDownLatch ready, CountDownLatch go, long[] start) {
            this.thread = Thread.ofPlatform().name("client-" + id).unstarted(() -> {
                ready.countDown();
                awaitQuietly(go);
                long begin = start[0];
                for (long seq = 0; budget.allowsMore(begin, seq); seq++) {
                    long t0 = System.nanoTime();
                    try {
                        operation.run(id, seq);
                        record(System.nanoTime() - t0);
                    } catch (RuntimeException e) {
                        errors++;
                        if (firstError.isEmpty()) {
                            firstError = Optional.of("client " + id + " call " + seq + ": " + e);
                        }
                    }
                }
                end = System.nanoTime();
            });
        }

        private void record(long nanos) {
            if (count == latencies.length) {
                latencies = Arrays.copyOf(latencies, count * 2);
            }
            latencies[count++] = nanos;
        }

        void join() {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + thread.getName(), e);
            }
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting clients", e);
        }
    }
}
