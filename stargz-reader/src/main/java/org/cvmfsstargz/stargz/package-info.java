/**
 * Reads eStargz layers lazily: footer and table of contents, ranged registry reads, a bounded
 * chunk cache and the FUSE filesystem of one layer.
 *
 * <p>A library: it imports nothing from the daemon, gRPC, protobuf or containerd. The daemon
 * adapts it to its own {@code LayerSource} interface. Its content arrives with the eStargz issue.
 */
package org.cvmfsstargz.stargz;
