package org.cvmfsstargz.stargz.registry;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How a {@link RegistryClient} talks to registries: timeouts, retries, which hosts may be reached
 * over plain HTTP, where credentials come from, which mirrors stand in front of a registry, which
 * CA certificates a host's TLS certificate may chain to, and whether ranges go one per request.
 * Validated once, here.
 *
 * <p>Immutable and thread-safe.
 *
 * @param connectTimeout the longest wait for a TCP (and TLS) connection
 * @param requestTimeout the longest wait for one response's status and headers (not the body)
 * @param retry when and how often a failed request is sent again
 * @param insecureHosts {@code host} or {@code host:port} entries reached over plain HTTP; loopback
 *     hosts always are
 * @param credentials asked for a user and password when a registry (or mirror) demands them
 * @param mirrors per registry, as an image reference names it ({@code docker.io},
 *     {@code host:port}), the mirrors tried in order before it for manifests and blobs; a plain
 *     HTTP mirror must be loopback or listed in {@code insecureHosts}
 * @param forceSingleRange true to send every range in its own request, for registries that
 *     neither refuse nor honour multi-range requests (ECR answered with the whole blob, see
 *     stargz-snapshotter #348); config {@code force_single_range}
 * @param trustedCertificates per {@code host} or {@code host:port}, CA certificates trusted for
 *     that host besides the JDK's; such a host is reached over HTTPS even when it is loopback
 * @param bodyDeadlines how long a response body may stall, and take in all
 */
public record RegistryOptions(Duration connectTimeout, Duration requestTimeout, Retry retry,
        Set<String> insecureHosts, Credentials credentials, Map<String, List<Mirror>> mirrors,
        boolean forceSingleRange, Map<String, List<X509Certificate>> trustedCertificates,
        BodyDeadlines bodyDeadlines) {

    /**
     * Deadlines on reading a response body, counted from its headers: {@code requestTimeout} ends
     * with them, and a registry or CDN that sends a 206's headers and then stalls or trickles
     * would otherwise hold a reader (a FUSE worker) for ever. A body that passes either is closed,
     * which releases its connection, and its read fails; a ranged read is then sent again within
     * the {@link Retry}'s attempts and deadline.
     *
     * @param idle the longest a read of the body may wait for its next byte
     * @param total the longest a body may take from its headers to its end; not applied to
     *     {@link RegistryClient#openBlob} streams, whose size and reader's pace are the caller's
     */
    public record BodyDeadlines(Duration idle, Duration total) {
        public BodyDeadlines {
            requirePositive(idle, "body idle deadline");
            requirePositive(total, "body deadline");
            if (idle.compareTo(total) > 0) {
                throw new IllegalArgumentException("the body idle deadline (" + idle
                        + ") must not be longer than the body deadline (" + total + ")");
            }
        }
    }

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
        Objects.requireNonNull(bodyDeadlines, "bodyDeadlines");
        insecureHosts = insecureHosts.stream().map(h -> normaliseHost(h, "insecure registry"))
                .collect(Collectors.toUnmodifiableSet());
        Map<String, List<X509Certificate>> trusted = new LinkedHashMap<>();
        trustedCertificates.forEach((host, certificates) -> {
            if (certificates.isEmpty()) {
                throw new IllegalArgumentException("trusted certificates of " + host + " are an empty list");
            }
            if (trusted.put(normaliseHost(host, "host with trusted certificates"), List.copyOf(certificates)) != null) {
                throw new IllegalArgumentException("trusted certificates of " + host + " are given twice");
            }
        });
        trustedCertificates = Map.copyOf(trusted);
        mirrors = checkMirrors(mirrors, new HostPolicy(insecureHosts, trustedCertificates.keySet()));
    }

    /** Options without mirrors or extra CA certificates, sending several ranges per request. */
    public RegistryOptions(Duration connectTimeout, Duration requestTimeout, Retry retry, Set<String> insecureHosts,
            Credentials credentials) {
        this(connectTimeout, requestTimeout, retry, insecureHosts, credentials, Map.of(), false, Map.of(),
                DEFAULT_BODY_DEADLINES);
    }

    /** 30 s without a byte, 5 min in all. */
    public static final BodyDeadlines DEFAULT_BODY_DEADLINES = new BodyDeadlines(Duration.ofSeconds(30),
            Duration.ofMinutes(5));

    /**
     * 10 s to connect, 30 s per response's headers, 4 attempts from 250 ms to 5 s apart within
     * 2 min, {@link #DEFAULT_BODY_DEADLINES}, anonymous.
     */
    public static RegistryOptions defaults() {
        return new RegistryOptions(Duration.ofSeconds(10), Duration.ofSeconds(30),
                new Retry(4, Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofMinutes(2)),
                Set.of(), Credentials.ANONYMOUS, Map.of(), false, Map.of(), DEFAULT_BODY_DEADLINES);
    }

    public RegistryOptions withTimeouts(Duration connect, Duration request) {
        return new RegistryOptions(connect, request, retry, insecureHosts, credentials, mirrors, forceSingleRange,
                trustedCertificates, bodyDeadlines);
    }

    public RegistryOptions withRetry(Retry newRetry) {
        return new RegistryOptions(connectTimeout, requestTimeout, newRetry, insecureHosts, credentials, mirrors,
                forceSingleRange, trustedCertificates, bodyDeadlines);
    }

    public RegistryOptions withInsecureHosts(Set<String> hosts) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, hosts, credentials, mirrors,
                forceSingleRange, trustedCertificates, bodyDeadlines);
    }

    public RegistryOptions withCredentials(Credentials newCredentials) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, newCredentials, mirrors,
                forceSingleRange, trustedCertificates, bodyDeadlines);
    }

    /** These options with {@code newMirrors}, checked against the insecure hosts already set. */
    public RegistryOptions withMirrors(Map<String, List<Mirror>> newMirrors) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, credentials, newMirrors,
                forceSingleRange, trustedCertificates, bodyDeadlines);
    }

    public RegistryOptions withForceSingleRange(boolean single) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, credentials, mirrors, single,
                trustedCertificates, bodyDeadlines);
    }

    /**
     * These options with {@code certificates}: per {@code host} or {@code host:port}, CA
     * certificates trusted for it besides the JDK's (a registry with a private CA).
     */
    public RegistryOptions withTrustedCertificates(Map<String, List<X509Certificate>> certificates) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, credentials, mirrors,
                forceSingleRange, certificates, bodyDeadlines);
    }

    public RegistryOptions withBodyDeadlines(BodyDeadlines deadlines) {
        return new RegistryOptions(connectTimeout, requestTimeout, retry, insecureHosts, credentials, mirrors,
                forceSingleRange, trustedCertificates, deadlines);
    }

    /** The mirrors of {@code registry} (as an image reference names it), in the order to try them. */
    public List<Mirror> mirrorsOf(String registry) {
        return mirrors.getOrDefault(registry.toLowerCase(Locale.ROOT), List.of());
    }

    private static Map<String, List<Mirror>> checkMirrors(Map<String, List<Mirror>> mirrors, HostPolicy policy) {
        Map<String, List<Mirror>> checked = new LinkedHashMap<>();
        mirrors.forEach((registry, list) -> {
            String key = normaliseHost(registry, "mirrored registry");
            for (Mirror mirror : List.copyOf(list)) {
                if (mirror.plainHttp() && !policy.plainHttpAllowed(mirror.authority())) {
                    throw new IllegalArgumentException("mirror " + mirror.endpoint() + " of " + key + " uses plain"
                            + " HTTP but " + mirror.authority() + " is not a loopback host; list it as an insecure"
                            + " registry or use https");
                }
            }
            if (checked.put(key, List.copyOf(list)) != null) {
                throw new IllegalArgumentException("mirrors of registry " + key + " are given twice");
            }
        });
        return Map.copyOf(checked);
    }

    private static String normaliseHost(String entry, String role) {
        Objects.requireNonNull(entry, role);
        String host = entry.trim().toLowerCase(Locale.ROOT);
        if (host.isEmpty() || host.contains("/") || host.contains("@") || host.chars().anyMatch(c -> c <= ' ')) {
            throw new IllegalArgumentException(role + " '" + entry
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
