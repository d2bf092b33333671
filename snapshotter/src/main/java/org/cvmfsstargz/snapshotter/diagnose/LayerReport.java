package org.cvmfsstargz.snapshotter.diagnose;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * What the daemon would do with one layer of an image, and why. Immutable.
 *
 * @param digest    the layer blob's digest
 * @param size      its compressed size, from the manifest
 * @param mediaType its media type, from the manifest
 * @param source    {@code cvmfs}, {@code estargz} or {@code pull}
 * @param reason    {@code provided}, or for {@code pull} the decline reason the daemon's metric counts
 *                  ({@code not_published}, {@code not_estargz}, {@code corrupt}, {@code unavailable}, ...)
 * @param detail    why, in words: where the layer is published, what was verified, or every source's refusal
 * @param declines  the refusals of the sources asked before the decision, in order
 * @param layerDir  for {@code cvmfs}: the published directory
 * @param toc       for {@code estargz}: the verified TOC in figures
 */
public record LayerReport(Digest digest, long size, String mediaType, String source, String reason, String detail,
        List<LayerSourceChain.Declined> declines, Optional<Path> layerDir, Optional<TocSummary> toc) {
    public static final String PULL = "pull";
    public static final String PROVIDED = "provided";

    public LayerReport {
        Objects.requireNonNull(digest, "digest");
        Objects.requireNonNull(mediaType, "mediaType");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
        declines = List.copyOf(declines);
        Objects.requireNonNull(layerDir, "layerDir");
        Objects.requireNonNull(toc, "toc");
    }
}
