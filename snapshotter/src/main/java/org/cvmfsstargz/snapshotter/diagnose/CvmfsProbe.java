package org.cvmfsstargz.snapshotter.diagnose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.probe.RepositoryHealth;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.cvmfs.stats.RepositoryStatistics;
import org.cvmfsstargz.cvmfs.stats.RepositoryStats;
import org.cvmfsstargz.snapshotter.config.CvmfsConfig;

/**
 * Whether each configured CVMFS repository is mounted and answers, probed as the daemon probes it
 * (its root stat-ed under {@code cvmfs.probe_timeout_ms}), with its revision from the
 * {@code user.revision} attribute. One result per repository. Stateless.
 */
final class CvmfsProbe {
    private CvmfsProbe() {}

    static List<CheckResult> run(CvmfsConfig config) {
        if (!config.enabled()) {
            return List.of(CheckResult.warn("cvmfs", "cvmfs.enabled = false: no layer is taken from CVMFS",
                    "set cvmfs.enabled = true to use layers published on " + config.repositories()));
        }
        if (config.repositories().isEmpty()) {
            return List.of(CheckResult.warn("cvmfs", "cvmfs.repositories is empty: no layer is taken from CVMFS",
                    "list the repositories that publish layers, e.g. [\"" + CvmfsConfig.DEFAULT_REPOSITORY + "\"]"));
        }
        DeadlineCalls calls = new DeadlineCalls(Duration.ofMillis(config.probeTimeoutMs()));
        RepositoryProbe probe = new RepositoryProbe(calls, path -> Files.readAttributes(path, BasicFileAttributes.class));
        RepositoryStats stats = new RepositoryStats(calls);
        List<CheckResult> results = new ArrayList<>();
        for (Repository repository : config.repositoryList()) {
            results.add(check(repository, calls, probe, stats));
        }
        return results;
    }

    private static CheckResult check(Repository repository, DeadlineCalls calls, RepositoryProbe probe,
            RepositoryStats stats) {
        String what = "cvmfs " + repository.name();
        if (probe.health(repository) instanceof RepositoryHealth.Unavailable down) {
            return CheckResult.fail(what, down.reason(), "mount it (cvmfs_config probe " + repository.name()
                    + "; CVMFS_REPOSITORIES in /etc/cvmfs/default.local), or remove it from cvmfs.repositories");
        }
        Path layers = repository.root().resolve(Repository.LAYERS);
        try {
            boolean hasLayers = calls.call(repository, layers, () -> Files.isDirectory(layers));
            if (!hasLayers) {
                return CheckResult.warn(what, repository.root() + " answers but has no " + Repository.LAYERS
                        + " directory, so it publishes no layer", "list only repositories DUCC (or ingest) publishes"
                        + " layers to, e.g. " + CvmfsConfig.DEFAULT_REPOSITORY);
            }
        } catch (IOException e) {
            return CheckResult.fail(what, layers + ": " + e.getMessage(), "check the CVMFS client (cvmfs_config"
                    + " probe " + repository.name() + ", cvmfs_talk -i " + repository.name() + " internal affairs)");
        }
        String revision;
        try {
            RepositoryStatistics statistics = stats.read(repository);
            revision = statistics.revision().isPresent() ? "revision " + statistics.revision().getAsLong()
                    : "no user.revision attribute (not a CVMFS mount?)";
        } catch (IOException e) {
            revision = "revision unknown: " + e.getMessage();
        }
        return CheckResult.ok(what, "mounted at " + repository.root() + ", " + revision);
    }
}
