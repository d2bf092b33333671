/**
 * Resolves a layer digest to the directory where a CVMFS repository publishes that layer
 * unpacked ({@code /cvmfs/<repo>/.layers/<hex[0:2]>/<hex>/layerfs}).
 *
 * <p>A library: it imports nothing from the daemon, gRPC, protobuf or containerd. The daemon
 * adapts it to its own {@code LayerSource} interface. Its content arrives with the CVMFS issue.
 */
package org.cvmfsstargz.cvmfs;
