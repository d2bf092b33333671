package org.cvmfsstargz.snapshotter;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Set;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.RegistryConfig;
import org.cvmfsstargz.stargz.registry.CaCertificates;
import org.cvmfsstargz.stargz.registry.DockerConfigCredentials;
import org.cvmfsstargz.stargz.registry.Mirror;
import org.cvmfsstargz.stargz.registry.RegistryOptions;

/**
 * Turns the {@code [registry]} section into the registry client's options, the same for the
 * daemon's eStargz layers and for {@code ingest --ref}: timeouts, body deadlines and retries, plain-HTTP hosts,
 * credentials from Docker's {@code config.json} (read now: a malformed file stops start-up),
 * and per host its mirrors and extra CA certificates. Stateless.
 */
public final class RegistrySettings {
    private RegistrySettings() {}

    /**
     * The client options {@code config} describes, with {@code extraInsecureHosts} also reached over plain HTTP.
     *
     * @throws ConfigException naming the key if Docker's config file, a CA file or a mirror cannot be used
     */
    public static RegistryOptions options(RegistryConfig config, Set<String> extraInsecureHosts) {
        DockerConfigCredentials credentials;
        try {
            credentials = DockerConfigCredentials.open(config.dockerConfig());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("registry.docker_config", e.getMessage());
        }
        Map<String, List<Mirror>> mirrors = new LinkedHashMap<>();
        Map<String, List<X509Certificate>> certificates = new LinkedHashMap<>();
        config.hosts().forEach((host, settings) -> {
            if (!settings.mirrors().isEmpty()) {
                mirrors.put(host, settings.mirrors().stream().map(Mirror::parse).toList());
            }
            settings.ca().ifPresent(ca -> certificates.put(host, readCa(host, ca)));
        });
        Set<String> insecure = new LinkedHashSet<>(config.plainHttpHosts());
        insecure.addAll(extraInsecureHosts);
        try {
            return RegistryOptions.defaults()
                    .withTimeouts(Duration.ofMillis(config.connectTimeoutMs()), Duration.ofMillis(config.requestTimeoutMs()))
                    .withRetry(new RegistryOptions.Retry(4, Duration.ofMillis(250), Duration.ofSeconds(5),
                            Duration.ofMillis(config.retryDeadlineMs())))
                    .withBodyDeadlines(new RegistryOptions.BodyDeadlines(Duration.ofMillis(config.bodyIdleTimeoutMs()),
                            Duration.ofMillis(config.bodyTimeoutMs())))
                    .withInsecureHosts(Set.copyOf(insecure))
                    .withForceSingleRange(config.forceSingleRange())
                    .withCredentials(credentials)
                    .withTrustedCertificates(certificates)
                    .withMirrors(mirrors);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("registry.hosts", e.getMessage());
        }
    }

    private static List<X509Certificate> readCa(String host, Path ca) {
        try {
            return CaCertificates.read(ca);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("registry.hosts.\"" + host + "\".ca_file", "\"" + ca + "\": " + e.getMessage());
        }
    }
}
