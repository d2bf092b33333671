package org.cvmfsstargz.snapshotter.config;

import java.util.Optional;

/**
 * The whole configuration, a tree of records with defaults and validation applied at load.
 * Immutable. Documented key by key in {@code docs/configuration.md}.
 *
 * @param daemon  the {@code [daemon]} section
 * @param cvmfs   the {@code [cvmfs]} section
 * @param estargz  the {@code [estargz]} section
 * @param registry the {@code [registry]} section
 * @param metrics the {@code [metrics]} section
 */
public record Config(DaemonConfig daemon, CvmfsConfig cvmfs, EstargzConfig estargz, RegistryConfig registry,
        MetricsConfig metrics) {
    public Config {
        daemon = Optional.ofNullable(daemon).orElseGet(DaemonConfig::defaults);
        cvmfs = Optional.ofNullable(cvmfs).orElseGet(CvmfsConfig::defaults);
        estargz = Optional.ofNullable(estargz).orElseGet(EstargzConfig::defaults);
        registry = Optional.ofNullable(registry).orElseGet(RegistryConfig::defaults);
        metrics = Optional.ofNullable(metrics).orElseGet(MetricsConfig::defaults);
    }

    public static Config defaults() {
        return new Config(null, null, null, null, null);
    }

    /** The same configuration with another {@code [daemon]} section (command-line overrides). */
    public Config withDaemon(DaemonConfig daemon) {
        return new Config(daemon, cvmfs, estargz, registry, metrics);
    }
}
