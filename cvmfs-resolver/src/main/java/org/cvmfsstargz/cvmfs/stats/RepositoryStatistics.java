package org.cvmfsstargz.cvmfs.stats;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * One reading of a repository's CVMFS extended attributes. Each field is empty when the client
 * does not offer the attribute (older client, {@code CVMFS_HIDE_MAGIC_XATTRS=yes}, not CVMFS at
 * all) or when its value is not a number where one is expected.
 *
 * <p>Immutable and thread-safe.
 *
 * @param revision catalog revision, grows on every publish ({@code user.revision})
 * @param loadedCatalogs nested catalogs loaded ({@code user.nclg})
 * @param ioErrors I/O errors since mount ({@code user.nioerr})
 * @param downloadedKiB kilobytes downloaded ({@code user.rx})
 * @param speed average download speed as the client prints it ({@code user.speed})
 * @param proxy the proxy in use ({@code user.proxy})
 * @param host the Stratum 1 in use ({@code user.host})
 * @param version client version ({@code user.version})
 * @param usedFileDescriptors file descriptors in use ({@code user.usedfd})
 */
public record RepositoryStatistics(OptionalLong revision, OptionalLong loadedCatalogs,
        OptionalLong ioErrors, OptionalLong downloadedKiB, Optional<String> speed,
        Optional<String> proxy, Optional<String> host, Optional<String> version,
        OptionalLong usedFileDescriptors) {
    public RepositoryStatistics {
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(loadedCatalogs, "loadedCatalogs");
        Objects.requireNonNull(ioErrors, "ioErrors");
        Objects.requireNonNull(downloadedKiB, "downloadedKiB");
        Objects.requireNonNull(speed, "speed");
        Objects.requireNonNull(proxy, "proxy");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(usedFileDescriptors, "usedFileDescriptors");
    }
}
