package org.cvmfsstargz.snapshotter.config;

import java.util.Optional;

/**
 * The whole configuration, a tree of records with defaults and validation applied at load.
 * Immutable. Documented key by key in the README's configuration reference.
 *
 * @param daemon the {@code [daemon]} section
 */
public record Config(DaemonConfig daemon) {
    public Config {
        daemon = Optional.ofNullable(daemon).orElseGet(DaemonConfig::defaults);
    }

    public static Config defaults() {
        return new Config(null);
    }
}
