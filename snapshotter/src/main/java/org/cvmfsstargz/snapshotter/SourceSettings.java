package org.cvmfsstargz.snapshotter;

import java.time.Duration;
import org.cvmfsstargz.snapshotter.config.EstargzConfig;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.layer.TocFetcher;
import org.cvmfsstargz.stargz.layer.TocMemory;

/**
 * The eStargz library settings the configuration implies, in one place: the daemon's eStargz
 * source and {@code inspect} read TOCs with the same limits. (Registry options come from
 * {@link RegistrySettings}.) Stateless.
 */
public final class SourceSettings {
    private SourceSettings() {}

    /**
     * How long a TOC load waits for room in the TOC memory budget: several loads of the largest
     * TOC over a slow link. Past it the layer is pulled normally.
     */
    static final Duration TOC_MEMORY_WAIT = Duration.ofMinutes(2);

    /**
     * Reads and verifies a layer's TOC within the configured size and time limits. The TOC
     * sections that all its loads hold at once stay within {@code estargz.max_toc_bytes}, what the
     * {@link MemoryPlan} reserves for them: a load waits for room while others hold it.
     */
    public static TocFetcher tocFetcher(EstargzConfig estargz) {
        TocLimits defaults = TocLimits.defaults();
        TocLimits limits = new TocLimits(estargz.maxTocBytes(), defaults.maxEntries(), defaults.maxPathBytes(),
                defaults.maxChunkSize(), defaults.maxFileSize(), defaults.maxXattrBytes(),
                Duration.ofMillis(estargz.tocBuildTimeoutMs()));
        return new TocFetcher(new TocReader(limits), new TocMemory(estargz.maxTocBytes(), TOC_MEMORY_WAIT));
    }
}
