package org.cvmfsstargz.snapshotter.source;

import java.util.Map;
import java.util.Optional;

/** The labels of containerd's remote-snapshot protocol. */
public final class RemoteLabels {
    /** On an unpack Prepare: the chainID the layer completes; the name a remote snapshot gets. */
    public static final String TARGET = "containerd.io/snapshot.ref";
    /** Set on every remote snapshot, as the Go remote snapshotters do. */
    public static final String REMOTE = "containerd.io/snapshot/remote";
    /** Which source provides a remote snapshot. */
    public static final String SOURCE = "containerd.io/snapshot/cvmfs-stargz.source";

    /** On an unpack Prepare from containerd's CRI (the Kubernetes path): the layer's compressed digest. */
    public static final String CRI_LAYER_DIGEST = "containerd.io/snapshot/cri.layer-digest";
    /** On an unpack Prepare from containerd's CRI: the image reference. */
    public static final String CRI_IMAGE_REF = "containerd.io/snapshot/cri.image-ref";
    /** On an unpack Prepare from {@code ctr-remote image rpull}: the layer's compressed digest. */
    public static final String STARGZ_DIGEST = "containerd.io/snapshot/remote/stargz.digest";
    /** On an unpack Prepare from {@code ctr-remote image rpull}: the image reference. */
    public static final String STARGZ_REFERENCE = "containerd.io/snapshot/remote/stargz.reference";

    private RemoteLabels() {}

    /** The layer's compressed digest as containerd sent it, from the CRI label or else ctr-remote's. */
    public static Optional<String> layerDigest(Map<String, String> labels) {
        return Optional.ofNullable(labels.get(CRI_LAYER_DIGEST))
                .or(() -> Optional.ofNullable(labels.get(STARGZ_DIGEST)));
    }
}
