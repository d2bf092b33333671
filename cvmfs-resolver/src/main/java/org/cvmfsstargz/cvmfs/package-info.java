/**
 * Resolves a layer digest to the directory where a CVMFS repository publishes that layer
 * unpacked ({@code /cvmfs/<repo>/.layers/<hex[0:2]>/<hex>/layerfs}). Subpackages, in flow order:
 * {@code resolve} (digest to path, pure), {@code probe} (the only repository I/O, always with a
 * deadline), {@code whiteout} (DUCC's plain-file whiteouts in overlayfs form), {@code stats}
 * (CVMFS extended attributes).
 *
 * <p>A library: it imports nothing from the daemon, gRPC, protobuf or containerd. The daemon
 * adapts it to its own {@code LayerSource} interface.
 */
package org.cvmfsstargz.cvmfs;
