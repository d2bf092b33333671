package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.cvmfs.resolve.Repository;

/**
 * The {@code [cvmfs]} section: which CVMFS repositories may provide layers, and how long the
 * daemon waits for them. Every key has a default; a missing key (null from the parser) takes it
 * here, once, at load.
 *
 * @param enabled                        whether CVMFS repositories are asked for layers at all
 * @param mountpoint                     where repositories are mounted (autofs usually mounts them on first access)
 * @param repositories                   repository names, asked in this order; the first that publishes a layer provides it
 * @param probeTimeoutMs                 how long one filesystem call on a repository may take before the repository
 *                                       counts as unavailable for that layer
 * @param scanTimeoutMs                  how long a Prepare waits for a layer's whiteout markers before the layer is pulled
 * @param scanStallTimeoutMs             how long a walk of a layer's tree may find no new entry before the layer is
 *                                       pulled (a walk that keeps finding entries goes on, past {@code scanTimeoutMs})
 * @param scanMaxEntries                 the most entries a layer may have for its markers to be read; a larger layer is pulled
 * @param whiteoutCacheMaxEntries        how many layers' whiteout markers are kept on local disk; 0 keeps none
 * @param unavailableLogIntervalSeconds  an unavailable repository is logged at most once per this interval
 */
public record CvmfsConfig(Boolean enabled, Path mountpoint, List<String> repositories, Integer probeTimeoutMs,
        Integer scanTimeoutMs, Integer scanStallTimeoutMs, Long scanMaxEntries, Integer whiteoutCacheMaxEntries,
        Integer unavailableLogIntervalSeconds) {
    public static final Path DEFAULT_MOUNTPOINT = Path.of("/cvmfs");
    public static final String DEFAULT_REPOSITORY = "unpacked.cern.ch";

    public CvmfsConfig {
        enabled = Optional.ofNullable(enabled).orElse(true);
        mountpoint = Optional.ofNullable(mountpoint).orElse(DEFAULT_MOUNTPOINT);
        if (!mountpoint.isAbsolute()) {
            throw new ConfigException("cvmfs.mountpoint", "must be an absolute path, got \"" + mountpoint + "\"");
        }
        mountpoint = mountpoint.normalize();
        repositories = List.copyOf(Optional.ofNullable(repositories).orElse(List.of(DEFAULT_REPOSITORY)));
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < repositories.size(); i++) {
            String name = repositories.get(i);
            try {
                new Repository(mountpoint, name);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("cvmfs.repositories[" + i + "]", e.getMessage());
            }
            if (!seen.add(name)) {
                throw new ConfigException("cvmfs.repositories[" + i + "]", "\"" + name + "\" is listed twice");
            }
        }
        probeTimeoutMs = positive("cvmfs.probe_timeout_ms", Optional.ofNullable(probeTimeoutMs).orElse(5_000));
        scanTimeoutMs = positive("cvmfs.scan_timeout_ms", Optional.ofNullable(scanTimeoutMs).orElse(60_000));
        scanStallTimeoutMs = positive("cvmfs.scan_stall_timeout_ms",
                Optional.ofNullable(scanStallTimeoutMs).orElse(30_000));
        scanMaxEntries = Optional.ofNullable(scanMaxEntries).orElse(5_000_000L);
        if (scanMaxEntries <= 0) {
            throw new ConfigException("cvmfs.scan_max_entries", "must be positive, got " + scanMaxEntries);
        }
        whiteoutCacheMaxEntries = Optional.ofNullable(whiteoutCacheMaxEntries).orElse(10_000);
        if (whiteoutCacheMaxEntries < 0) {
            throw new ConfigException("cvmfs.whiteout_cache_max_entries", "must be at least 0, got "
                    + whiteoutCacheMaxEntries);
        }
        unavailableLogIntervalSeconds = positive("cvmfs.unavailable_log_interval_seconds",
                Optional.ofNullable(unavailableLogIntervalSeconds).orElse(300));
    }

    public static CvmfsConfig defaults() {
        return new CvmfsConfig(null, null, null, null, null, null, null, null, null);
    }

    /** Where the daemon keeps layers' whiteout markers (one small file per layer digest), under its root. */
    public static Path whiteoutCacheDir(Path daemonRoot) {
        return daemonRoot.resolve("cvmfs").resolve("whiteouts");
    }

    /** The configured repositories under the mountpoint, in the order they are asked. */
    public List<Repository> repositoryList() {
        List<Repository> list = new ArrayList<>();
        repositories.forEach(name -> list.add(new Repository(mountpoint, name)));
        return List.copyOf(list);
    }

    private static int positive(String key, int value) {
        if (value <= 0) {
            throw new ConfigException(key, "must be positive, got " + value);
        }
        return value;
    }
}
