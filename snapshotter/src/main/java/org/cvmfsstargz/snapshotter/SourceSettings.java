package org.cvmfsstargz.snapshotter;

import java.time.Duration;
import org.cvmfsstargz.snapshotter.config.EstargzConfig;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.layer.TocFetcher;

/**
 * The eStargz library settings the configuration implies, in one place: the daemon's eStargz
 * source and {@code inspect} read TOCs with the same limits. (Registry options come from
 * {@link RegistrySettings}.) Stateless.
 */
public final class SourceSettings {
    private SourceSettings() {}

    /** Reads and verifies a layer's TOC within the configured size and time limits. */
    public static TocFetcher tocFetcher(EstargzConfig estargz) {
        TocLimits defaults = TocLimits.defaults();
        TocLimits limits = new TocLimits(estargz.maxTocBytes(), defaults.maxEntries(), defaults.maxPathBytes(),
                defaults.maxChunkSize(), defaults.maxFileSize(), defaults.maxXattrBytes(),
                Duration.ofMillis(estargz.tocBuildTimeoutMs()));
        return new TocFetcher(new TocReader(limits));
    }
}
