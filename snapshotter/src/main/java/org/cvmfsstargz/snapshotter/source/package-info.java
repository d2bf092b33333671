/**
 * Layer sources: the ways a layer can be provided without containerd downloading it, and the
 * chain that decides, per layer, which source (if any) provides it. Adapters to the libraries
 * ({@code cvmfs-resolver}, {@code stargz-reader}) live here; imports nothing from {@code grpc}.
 */
package org.cvmfsstargz.snapshotter.source;
