package org.cvmfsstargz.snapshotter.source;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The labels of containerd's remote-snapshot protocol. */
public final class RemoteLabels {
    /** On an unpack Prepare: the chainID the layer completes; the name a remote snapshot gets. */
    public static final String TARGET = "containerd.io/snapshot.ref";
    /**
     * Shown on every remote snapshot, as the Go remote snapshotters do. Like {@link #SOURCE}, it is
     * derived from the store's provenance each time a snapshot is shown, never stored or read back.
     */
    public static final String REMOTE = "containerd.io/snapshot/remote";
    /**
     * Which source provides a remote snapshot, shown to containerd and its clients. The daemon's
     * own record of it is the store's provenance; an Update that erases this label changes nothing.
     */
    public static final String SOURCE = "containerd.io/snapshot/cvmfs-stargz.source";

    /** On an unpack Prepare from containerd's CRI (the Kubernetes path): the layer's compressed digest. */
    public static final String CRI_LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
    /** On an unpack Prepare from containerd's CRI: the image reference. */
    public static final String CRI_IMAGE_REF = "containerd.io/snapshot/cri.image-ref";
    /** On an unpack Prepare from {@code ctr-remote image rpull}: the layer's compressed digest. */
    public static final String STARGZ_DIGEST = "containerd.io/snapshot/remote/stargz.digest";
    /** On an unpack Prepare from {@code ctr-remote image rpull}: the image reference. */
    public static final String STARGZ_REFERENCE = "containerd.io/snapshot/remote/stargz.reference";
    /**
     * On an unpack Prepare from containerd's CRI: comma-separated digests of this layer and the
     * image's layers after it, cut short to fit containerd's 4096-byte label limit.
     */
    public static final String CRI_IMAGE_LAYERS = "containerd.io/snapshot/cri.image-layers";
    /** On an unpack Prepare from {@code ctr-remote image rpull}: the same list as {@link #CRI_IMAGE_LAYERS}. */
    public static final String STARGZ_LAYERS = "containerd.io/snapshot/remote/stargz.layers";

    private RemoteLabels() {}

    /** The layer's compressed digest as containerd sent it, from the CRI label or else ctr-remote's. */
    public static Optional<String> layerDigest(Map<String, String> labels) {
        return Optional.ofNullable(labels.get(CRI_LAYER_DIGEST))
                .or(() -> Optional.ofNullable(labels.get(STARGZ_DIGEST)));
    }

    /**
     * The layers of the image as containerd listed them (this one and those after it), from the
     * CRI label or else ctr-remote's; unvalidated strings, blanks dropped. Empty without either label.
     */
    public static List<String> imageLayers(Map<String, String> labels) {
        return Optional.ofNullable(labels.get(CRI_IMAGE_LAYERS)).or(() -> Optional.ofNullable(labels.get(STARGZ_LAYERS)))
                .map(list -> Arrays.stream(list.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList())
                .orElse(List.of());
    }
}
