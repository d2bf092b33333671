package org.cvmfsstargz.snapshotter.source;

/** The labels of containerd's remote-snapshot protocol. */
public final class RemoteLabels {
    /** On an unpack Prepare: the chainID the layer completes; the name a remote snapshot gets. */
    public static final String TARGET = "containerd.io/snapshot.ref";
    /** Set on every remote snapshot, as the Go remote snapshotters do. */
    public static final String REMOTE = "containerd.io/snapshot/remote";
    /** Which source provides a remote snapshot. */
    public static final String SOURCE = "containerd.io/snapshot/cvmfs-stargz.source";

    private RemoteLabels() {}
}
