package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.stargz.registry.CaCertificates;
import org.cvmfsstargz.stargz.registry.Mirror;

/**
 * The {@code [registry]} section: how the daemon reaches registries for eStargz layers
 * (containerd never hands a snapshotter its registry settings or credentials).
 *
 * @param insecureHosts      {@code host} or {@code host:port} entries reached over plain HTTP; loopback always is
 * @param connectTimeoutMs   the longest wait for a connection
 * @param requestTimeoutMs   the longest wait for one response's headers
 * @param retryDeadlineMs    the longest one read may take with all its retries; a read that fails is an I/O
 *                           error in the container
 * @param bodyIdleTimeoutMs  the longest a response body may send no byte while it is read; past it the
 *                           connection is closed and the read retried within {@code retryDeadlineMs}
 * @param bodyTimeoutMs      the longest a response body read whole (a range, a manifest) may take after its
 *                           headers; at least {@code bodyIdleTimeoutMs}
 * @param forceSingleRange   send one range per request, for registries that mishandle multi-range requests
 * @param dockerConfig       Docker's {@code config.json}, where credentials and credential helpers are found;
 *                           default {@code $DOCKER_CONFIG/config.json}, else {@code /root/.docker/config.json}
 * @param hosts              per {@code host[:port]} (lower case), its mirrors, CA file and plain-HTTP setting
 */
public record RegistryConfig(List<String> insecureHosts, Integer connectTimeoutMs, Integer requestTimeoutMs,
        Integer retryDeadlineMs, Integer bodyIdleTimeoutMs, Integer bodyTimeoutMs, Boolean forceSingleRange,
        Path dockerConfig, Map<String, RegistryHostConfig> hosts) {
    /** Where Docker keeps its configuration when {@code DOCKER_CONFIG} is not set, for the daemon's user. */
    public static final Path ROOT_DOCKER_CONFIG = Path.of("/root/.docker/config.json");

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
        bodyIdleTimeoutMs = positive("registry.body_idle_timeout_ms",
                Optional.ofNullable(bodyIdleTimeoutMs).orElse(30_000));
        bodyTimeoutMs = positive("registry.body_timeout_ms", Optional.ofNullable(bodyTimeoutMs).orElse(300_000));
        if (bodyIdleTimeoutMs > bodyTimeoutMs) {
            throw new ConfigException("registry.body_idle_timeout_ms", "must not be longer than"
                    + " registry.body_timeout_ms (" + bodyTimeoutMs + "), got " + bodyIdleTimeoutMs);
        }
        forceSingleRange = Optional.ofNullable(forceSingleRange).orElse(false);
        dockerConfig = Optional.ofNullable(dockerConfig).filter(p -> !p.toString().isEmpty())
                .orElseGet(() -> defaultDockerConfig(Optional.ofNullable(System.getenv("DOCKER_CONFIG"))));
        if (!dockerConfig.isAbsolute()) {
            throw new ConfigException("registry.docker_config", "must be an absolute path, got \"" + dockerConfig
                    + "\"");
        }
        hosts = checkHosts(Optional.ofNullable(hosts).orElse(Map.of()));
    }

    public static RegistryConfig defaults() {
        return new RegistryConfig(null, null, null, null, null, null, null, null, null);
    }

    /** {@code $DOCKER_CONFIG/config.json} as Docker reads it, else root's own. */
    static Path defaultDockerConfig(Optional<String> dockerConfigEnv) {
        return dockerConfigEnv.filter(d -> !d.isBlank()).map(d -> Path.of(d, "config.json"))
                .map(Path::toAbsolutePath).orElse(ROOT_DOCKER_CONFIG);
    }

    /** Hosts reached over plain HTTP: {@code insecure_hosts} and every host table with {@code insecure = true}. */
    public Set<String> plainHttpHosts() {
        Set<String> all = new LinkedHashSet<>(insecureHosts);
        hosts.forEach((host, settings) -> {
            if (settings.insecure()) {
                all.add(host);
            }
        });
        return Set.copyOf(all);
    }

    private static Map<String, RegistryHostConfig> checkHosts(Map<String, RegistryHostConfig> hosts) {
        Map<String, RegistryHostConfig> checked = new LinkedHashMap<>();
        hosts.forEach((name, settings) -> {
            String key = "registry.hosts.\"" + name + "\"";
            String host = name.strip().toLowerCase(Locale.ROOT);
            if (host.isEmpty() || host.contains("/") || host.contains("@") || host.chars().anyMatch(c -> c <= ' ')) {
                throw new ConfigException(key, "must be a table named host or host:port, without a scheme or path");
            }
            RegistryHostConfig s = Optional.ofNullable(settings).orElseGet(() -> new RegistryHostConfig(null, null, null));
            for (int i = 0; i < s.mirrors().size(); i++) {
                try {
                    Mirror.parse(s.mirrors().get(i));
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(key + ".mirrors[" + i + "]", e.getMessage());
                }
            }
            if (s.ca().isPresent()) {
                Path ca = s.ca().get();
                if (!ca.isAbsolute()) {
                    throw new ConfigException(key + ".ca_file", "must be an absolute path, got \"" + ca + "\"");
                }
                if (s.insecure()) {
                    throw new ConfigException(key + ".ca_file", "is for TLS, but the host is set insecure (plain HTTP)");
                }
                try {
                    CaCertificates.read(ca);
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(key + ".ca_file", "\"" + ca + "\": " + e.getMessage());
                }
            }
            if (checked.put(host, s) != null) {
                throw new ConfigException(key, "is given twice (host names are compared in lower case)");
            }
        });
        return Map.copyOf(checked);
    }

    private static int positive(String key, int value) {
        if (value <= 0) {
            throw new ConfigException(key, "must be positive, got " + value);
        }
        return value;
    }
}
