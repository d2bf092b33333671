package org.cvmfsstargz.snapshotter.config;

import java.util.List;
import java.util.Optional;

/**
 * The {@code [registry]} section: how the daemon reaches registries for eStargz layers
 * (containerd never hands a snapshotter its registry settings or credentials).
 *
 * @param insecureHosts      {@code host} or {@code host:port} entries reached over plain HTTP; loopback always is
 * @param connectTimeoutMs   the longest wait for a connection
 * @param requestTimeoutMs   the longest wait for one response's headers
 * @param retryDeadlineMs    the longest one read may take with all its retries; a read that fails is an I/O
 *                           error in the container
 * @param forceSingleRange   send one range per request, for registries that mishandle multi-range requests
 */
public record RegistryConfig(List<String> insecureHosts, Integer connectTimeoutMs, Integer requestTimeoutMs,
        Integer retryDeadlineMs, Boolean forceSingleRange) {
    public RegistryConfig {
        insecureHosts = List.copyOf(Optional.ofNullable(insecureHosts).orElse(List.of()));
        for (int i = 0; i < insecureHosts.size(); i++) {
            String host = insecureHosts.get(i);
            if (host.isBlank() || host.contains("/") || host.contains(" ")) {
                throw new ConfigException("registry.insecure_hosts[" + i + "]", "must be host or host:port, got \""
                        + host + "\"");
            }
        }
        connectTimeoutMs = positive("registry.connect_timeout_ms", Optional.ofNullable(connectTimeoutMs).orElse(10_000));
        requestTimeoutMs = positive("registry.request_timeout_ms", Optional.ofNullable(requestTimeoutMs).orElse(30_000));
        retryDeadlineMs = positive("registry.retry_deadline_ms", Optional.ofNullable(retryDeadlineMs).orElse(60_000));
        forceSingleRange = Optional.ofNullable(forceSingleRange).orElse(false);
    }

    public static RegistryConfig defaults() {
        return new RegistryConfig(null, null, null, null, null);
    }

    private static int positive(String key, int value) {
        if (value <= 0) {
            throw new ConfigException(key, "must be positive, got " + value);
        }
        return value;
    }
}
