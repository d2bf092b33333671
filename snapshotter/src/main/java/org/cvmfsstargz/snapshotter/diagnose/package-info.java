/**
 * Diagnostics behind the {@code inspect} and {@code check} commands: what the daemon would decide
 * for each layer of an image (and why), and whether this node is set up to serve layers
 * (containerd's configuration, FUSE, overlayfs, CVMFS repositories, registries). Nothing here
 * mounts a layer, writes a cache or changes the daemon's state; the few probes that mount do it in
 * a temporary directory and undo it, under a deadline.
 *
 * <p>Uses {@code source} to decide as the daemon does, and the libraries; imports nothing from
 * {@code grpc} or {@code cli}. The commands in {@code cli} only parse and print.
 */
package org.cvmfsstargz.snapshotter.diagnose;
