package org.cvmfsstargz.stargz.registry;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a {@link RegistryClient} talks to registries: timeouts, retries, which hosts may be reached
 * over plain HTTP, and where credentials come from. Validated once, here.
 *
 * <p>Immutable and thread-safe.
 *
 * @param connectTimeout the longest wait for a TCP (and TLS) connection
 * @param requestTimeout the longest wait for one response's status and headers (not the body)
 * @param retry when and how often a failed request is sent again
 * @param insecureHosts {@code host} or {@code host:port} entries reached over plain HTTP; loopback
 *     hosts always are
 * @param credentials asked for a user and password when a registry demands them
 */
public record RegistryOptions(Duration connectTimeout, Duration requestTimeout, Retry retry,
        Set<String> insecureHosts, Credentials credentials) {

    /**
     * Retries with exponential backoff (plus jitter, or the registry's {@code Retry-After}) of
     * connection failures, 429 and 5xx other than 501. A call gives up after {@code maxAttempts}
     * sends or when {@code deadline} has passed since it started, whichever comes first.
     *
     * @param maxAttempts sends per call, the first included (at least 1)
     * @param initialBackoff the wait before the second send; doubled for each later one
     * @param maxBackoff the longest wait between two sends
     * @param deadline the longest a call (all its sends and waits) may take until headers arrive
     */
    public record Retry(int maxAttempts, Duration initialBackoff, Duration maxBackoff, Duration deadline) {
        public Retry {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be at least 1, got " + maxAttempts);
            }
            requirePositive(initialBackoff, "initialBackoff");
            requirePositive(maxBackoff, "maxBackoff");
            requirePositive(deadline, "deadline");
        }
    }

    public RegistryOptions {
        requirePositive(connectTimeout, "connectTimeout");
        requirePositive(requestTimeout, "requestTimeout");
        Objects.requireNonNull(retry, "retry");
        Objects.requireNonNull(credentials, "credentials");
        insecureHosts = insecureHosts.stream().map(RegistryOptions::normaliseHost)
                .collect(Collectors.toUnmodifiableSet());
    }

    /** 10 s to connect, 30 s per response, 4 attempts from 250 ms to 5 s apart within 2 min, anonymous. */
    public static RegistryOptions defaults() {
        return new RegistryOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
                new Retry(4, Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofMinutes(2)),
                Set.of(), Credentials.ANONYMOUS);
    }

    public RegistryOptions withTimeouts(Duration connect, Duration request) {
        return new RegistryOptions(connect, request, retry, insecureHosts, credentials);
    }

    public RegistryOptions withRetry(Retry newRetry) {
        return new RegistryOptions(connectTimeout, requestTimeout, newRetry, insecureHosts, credentials);
    }

    public RegistryOptions withInsecureHosts(Set<String> hosts) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, hosts, credentials);
    }

    public RegistryOptions withCredentials(Credentials newCredentials) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, newCredentials);
    }

    private static String normaliseHost(String entry) {
        Objects.requireNonNull(entry, "insecure host");
        String host = entry.trim().toLowerCase(Locale.ROOT);
        if (host.isEmpty() || host.contains("/") || host.contains("@") || host.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException("insecure registry '" + entry
                    + "' must be HOST or HOST:PORT, without a scheme or path");
        }
        return host;
    }

    private static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + d);
        }
    }
}
