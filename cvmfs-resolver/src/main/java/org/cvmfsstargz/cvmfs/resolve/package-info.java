/**
 * Digest to path, pure: {@link org.cvmfsstargz.cvmfs.resolve.LayerDigest} and
 * {@link org.cvmfsstargz.cvmfs.resolve.Repository} compute where DUCC publishes a layer
 * ({@code <mountpoint>/<name>/.layers/<hex[0:2]>/<hex>/layerfs}) without touching the filesystem.
 *
 * <p>First step of the flow; {@code probe}, {@code whiteout} and {@code stats} build on it. It does
 * no I/O and imports nothing from the daemon, gRPC, protobuf or containerd.
 */
package org.cvmfsstargz.cvmfs.resolve;
