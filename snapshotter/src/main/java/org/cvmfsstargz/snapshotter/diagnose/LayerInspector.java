package org.cvmfsstargz.snapshotter.diagnose;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.layer.BlobSource;
import org.cvmfsstargz.stargz.layer.TocFetcher;
import org.cvmfsstargz.stargz.registry.Descriptor;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryException;

/**
 * Tells which source the daemon would serve one layer from, asking the sources in the daemon's
 * order with the daemon's own tests: CVMFS ({@link CvmfsLayerSource#locate}), then eStargz (the
 * {@code toc.digest} annotation, then footer and TOC fetched and verified by the same
 * {@link TocFetcher}), else a pull with the reason {@link LayerSourceChain#pulled} gives. Nothing
 * is mounted or cached. What it cannot foresee is a mount failing (no FUSE): {@code check} tests
 * that. Thread-safe if its parts are.
 */
public final class LayerInspector {
    /** Opens a layer blob for ranged reads; in the command, a {@code RegistryBlobSource}. */
    @FunctionalInterface
    public interface BlobOpener {
        BlobSource open(ImageReference image, Digest layer) throws RegistryException;
    }

    /**
     * The eStargz source's side, when {@code estargz.enabled}.
     *
     * @param blobs            opens layer blobs
     * @param tocs             reads and verifies TOCs, with the configured limits
     * @param requireTocDigest {@code estargz.require_toc_digest}
     */
    public record Estargz(BlobOpener blobs, TocFetcher tocs, boolean requireTocDigest) {
        public Estargz {
            Objects.requireNonNull(blobs, "blobs");
            Objects.requireNonNull(tocs, "tocs");
        }
    }

    private final Optional<CvmfsLayerSource> cvmfs;
    private final Optional<Estargz> estargz;

    /** Asks {@code cvmfs} and then {@code estargz}, each only when configured (present). */
    public LayerInspector(Optional<CvmfsLayerSource> cvmfs, Optional<Estargz> estargz) {
        this.cvmfs = Objects.requireNonNull(cvmfs, "cvmfs");
        this.estargz = Objects.requireNonNull(estargz, "estargz");
    }

    /** What the daemon would do with {@code layer} of {@code image}. */
    public LayerReport inspect(ImageReference image, Descriptor layer) {
        List<LayerSourceChain.Declined> declines = new ArrayList<>();
        if (cvmfs.isPresent()) {
            Optional<LayerReport> provided = fromCvmfs(cvmfs.get(), layer, declines);
            if (provided.isPresent()) {
                return provided.get();
            }
        }
        if (estargz.isPresent()) {
            Optional<LayerReport> provided = fromEstargz(estargz.get(), image, layer, declines);
            if (provided.isPresent()) {
                return provided.get();
            }
        }
        LayerClaim.NotMine pulled = LayerSourceChain.pulled(declines);
        return new LayerReport(layer.digest(), layer.size(), layer.mediaType(), LayerReport.PULL,
                code(pulled.code()), pulled.reason(), declines, Optional.empty(), Optional.empty());
    }

    /** The lower-case reason code, as the daemon's layer decision metric labels it. */
    public static String code(DeclineReason reason) {
        return reason.name().toLowerCase(Locale.ROOT);
    }

    private static Optional<LayerReport> fromCvmfs(CvmfsLayerSource source, Descriptor layer,
            List<LayerSourceChain.Declined> declines) {
        LayerDigest digest;
        try {
            digest = LayerDigest.parse(layer.digest().value());
        } catch (IllegalArgumentException e) {
            declines.add(new LayerSourceChain.Declined(CvmfsLayerSource.NAME,
                    new LayerClaim.NotMine(e.getMessage(), DeclineReason.INVALID_DIGEST)));
            return Optional.empty();
        }
        return switch (source.locate(digest)) {
            case CvmfsLayerSource.Lookup.Published published -> Optional.of(new LayerReport(layer.digest(),
                    layer.size(), layer.mediaType(), CvmfsLayerSource.NAME, LayerReport.PROVIDED,
                    "published in repository " + published.repository().name() + " at " + published.layerDir(),
                    declines, Optional.of(published.layerDir()), Optional.empty()));
            case CvmfsLayerSource.Lookup.Absent absent -> {
                declines.add(new LayerSourceChain.Declined(CvmfsLayerSource.NAME, absent.notMine()));
                yield Optional.empty();
            }
        };
    }

    private static Optional<LayerReport> fromEstargz(Estargz side, ImageReference image, Descriptor layer,
            List<LayerSourceChain.Declined> declines) {
        String what = image.registry() + "/" + image.repository() + "@" + layer.digest();
        Optional<String> annotation = Optional.ofNullable(layer.annotations().get(EstargzLayerSource.TOC_DIGEST));
        if (annotation.isEmpty() && side.requireTocDigest()) {
            declines.add(new LayerSourceChain.Declined(EstargzLayerSource.NAME, EstargzLayerSource.noTocDigest()));
            return Optional.empty();
        }
        Optional<Digest> tocDigest;
        try {
            tocDigest = annotation.map(Digest::parse);
        } catch (IllegalArgumentException e) {
            declines.add(new LayerSourceChain.Declined(EstargzLayerSource.NAME,
                    new LayerClaim.NotMine("unusable label: " + e.getMessage(), DeclineReason.INVALID_DIGEST)));
            return Optional.empty();
        }
        try {
            RecordingBlobSource blob = new RecordingBlobSource(side.blobs().open(image, layer.digest()));
            Toc toc = side.tocs().fetch(blob, tocDigest);
            TocSummary summary = TocSummary.of(toc, blob.tocSizes());
            String verified = tocDigest.isPresent()
                    ? "footer and TOC verified against " + EstargzLayerSource.TOC_DIGEST + " " + tocDigest.get()
                    : "footer and TOC read, not verified (no " + EstargzLayerSource.TOC_DIGEST
                            + " annotation and estargz.require_toc_digest = false)";
            return Optional.of(new LayerReport(layer.digest(), layer.size(), layer.mediaType(),
                    EstargzLayerSource.NAME, LayerReport.PROVIDED, verified, declines, Optional.empty(),
                    Optional.of(summary)));
        } catch (CorruptLayerException | RegistryException | IOException e) {
            declines.add(new LayerSourceChain.Declined(EstargzLayerSource.NAME, EstargzLayerSource.declined(what, e)));
            return Optional.empty();
        }
    }
}
