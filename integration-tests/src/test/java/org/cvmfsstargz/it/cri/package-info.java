/**
 * The Kubernetes pull path end to end: containerd's CRI plugin pulling images into the daemon as
 * its proxy snapshotter, driven over CRI's {@code runtime.v1.ImageService} the way the kubelet does,
 * from a registry behind a byte-counting proxy.
 *
 * <p>Uses only {@code it.support} (processes, the CRI client, the proxy) and the Snapshots protocol
 * classes to read the daemon's state; nothing from the daemon's own packages.
 */
package org.cvmfsstargz.it.cri;
