package org.cvmfsstargz.snapshotter.source.estargz;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.ImageReference;

/**
 * Where an eStargz layer is, from a Prepare's labels: the image reference (CRI's
 * {@code cri.image-ref} or ctr-remote's {@code remote/stargz.reference}), the layer's digest, and
 * the TOC digest the manifest vouches for ({@code stargz/toc.digest}, which containerd copies from
 * the layer descriptor's annotations). The same labels are stored on the remote snapshot, so a
 * restart finds the layer again from them. Immutable.
 *
 * @param repository the image reference the layer belongs to (its registry and repository are used)
 * @param layer the layer blob's digest
 * @param tocDigest the sha256 of the layer's TOC JSON, if the labels carry it
 * @param following the image's layers after this one, in order, as far as the labels list them
 *     (CRI's {@code cri.image-layers} or ctr-remote's {@code remote/stargz.layers}); empty if they do not
 */
record LayerCoordinates(ImageReference repository, Digest layer, Optional<Digest> tocDigest, List<Digest> following) {
    /** The layer-descriptor annotation containerd passes on as a label. */
    static final String TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
    /** From CRI: this layer's digest and those of the layers above it, comma-separated, cut to fit 4096 bytes. */
    static final String CRI_IMAGE_LAYERS = "containerd.io/snapshot/cri.image-layers";
    /** The same list from {@code ctr-remote image rpull}. */
    static final String STARGZ_LAYERS = "containerd.io/snapshot/remote/stargz.layers";

    LayerCoordinates {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(tocDigest, "tocDigest");
        following = List.copyOf(following);
    }

    /** The same layer of the same image under {@code digest}: how a following layer is reached. */
    LayerCoordinates sibling(Digest digest) {
        return new LayerCoordinates(repository, digest, Optional.empty(), List.of());
    }

    /** The outcome of reading the labels: the coordinates, or why the layer is not for this source. */
    sealed interface Parsed {
        record Found(LayerCoordinates coordinates) implements Parsed {}

        record Declined(LayerClaim.NotMine notMine) implements Parsed {}
    }

    static Parsed parse(Map<String, String> labels) {
        Optional<String> digest = RemoteLabels.layerDigest(labels);
        if (digest.isEmpty()) {
            return decline("no layer digest label", DeclineReason.NO_DIGEST);
        }
        Optional<String> tocDigest = Optional.ofNullable(labels.get(TOC_DIGEST));
        Optional<String> reference = Optional.ofNullable(labels.get(RemoteLabels.CRI_IMAGE_REF))
                .or(() -> Optional.ofNullable(labels.get(RemoteLabels.STARGZ_REFERENCE)));
        if (reference.isEmpty()) {
            return decline("no image reference label (" + RemoteLabels.CRI_IMAGE_REF + " or "
                    + RemoteLabels.STARGZ_REFERENCE + ")", DeclineReason.NO_DIGEST);
        }
        try {
            Digest layer = Digest.parse(digest.get());
            Optional<Digest> toc = tocDigest.map(Digest::parse);
            return new Parsed.Found(new LayerCoordinates(ImageReference.parse(reference.get()), layer, toc,
                    following(labels, layer)));
        } catch (IllegalArgumentException e) {
            return decline("unusable label: " + e.getMessage(), DeclineReason.INVALID_DIGEST);
        }
    }

    /**
     * The layers the labels list after {@code layer}: the list names this layer first, then the
     * ones above it. A digest that does not parse (the list is cut to fit containerd's label size)
     * is skipped; so is a repeat.
     */
    static List<Digest> following(Map<String, String> labels, Digest layer) {
        String list = Optional.ofNullable(labels.get(CRI_IMAGE_LAYERS)).or(() -> Optional.ofNullable(
                labels.get(STARGZ_LAYERS))).orElse("");
        Set<Digest> digests = new LinkedHashSet<>();
        for (String item : list.split(",")) {
            try {
                digests.add(Digest.parse(item.strip()));
            } catch (IllegalArgumentException e) {
                // A cut or malformed item: no layer to fetch ahead for it.
            }
        }
        List<Digest> all = new ArrayList<>(digests);
        int self = all.indexOf(layer);
        List<Digest> after = all.subList(self + 1, all.size()); // all of them if this layer is not listed
        return List.copyOf(after);
    }

    private static Parsed decline(String reason, DeclineReason code) {
        return new Parsed.Declined(new LayerClaim.NotMine(reason, code));
    }

    @Override
    public String toString() {
        return repository.registry() + "/" + repository.repository() + "@" + layer;
    }
}
