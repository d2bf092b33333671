/**
 * Reads eStargz layers lazily: footer and table of contents, ranged registry reads, a bounded
 * chunk cache and the FUSE filesystem of one layer.
 *
 * <p>A library: it imports nothing from the daemon, gRPC, protobuf or containerd. The daemon
 * adapts it to its own {@code LayerSource} interface. Packages, in flow order: {@code fuse} (the
 * read-only filesystem of one layer) → {@code layer} (lazy, verified reads of a layer's files,
 * prefetch) → {@code cache} (verified chunks on disk and in memory) | {@code registry} (the OCI
 * distribution client) → {@code format} (digests, footer, TOC, the compact index of a layer,
 * chunk verification).
 */
package org.cvmfsstargz.stargz;
