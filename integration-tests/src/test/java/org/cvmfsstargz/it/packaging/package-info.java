/**
 * The deployment as shipped: {@code packaging/build-image}'s image run the way the DaemonSet in
 * {@code packaging/kubernetes/} runs it (its mounts read from the manifest), serving another
 * containerd as its snapshotter ({@link org.cvmfsstargz.it.packaging.PackagedDaemonIT}), and
 * {@code packaging/check-manifests} against good and broken manifests
 * ({@link org.cvmfsstargz.it.packaging.KubernetesManifestsIT}).
 *
 * <p>Uses {@code it.support} for processes and images and {@code it.estargz} to publish eStargz
 * images; nothing from the daemon's own packages: the daemon under test is the image.
 */
package org.cvmfsstargz.it.packaging;
