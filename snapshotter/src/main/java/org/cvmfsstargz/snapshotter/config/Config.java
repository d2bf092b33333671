package org.cvmfsstargz.snapshotter.config;

import java.util.Optional;

/**
 * The whole configuration, a tree of records with defaults and validation applied at load.
 * Immutable. Documented key by key in the README's configuration reference.
 *
 * @param daemon the {@code [daemon]} section
 * @param cvmfs  the {@code [cvmfs]} section
 */
public record Config(DaemonConfig daemon, CvmfsConfig cvmfs) {
    public Config {
        daemon = Optional.ofNullable(daemon).orElseGet(DaemonConfig::defaults);
        cvmfs = Optional.ofNullable(cvmfs).orElseGet(CvmfsConfig::defaults);
    }

    public static Config defaults() {
        return new Config(null, null);
    }
}
