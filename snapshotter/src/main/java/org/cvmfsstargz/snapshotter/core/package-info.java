/**
 * The snapshot core: containerd's snapshot semantics (kinds, keys, parents, labels, mounts,
 * errors) over a metadata store and snapshot directories, plus the remote-snapshot protocol.
 *
 * <p>Vocabulary, as containerd's: a <em>key</em> names an active snapshot or a view, a
 * <em>name</em> a committed snapshot; both share one key space. A <em>parent</em> is committed.
 * A <em>target</em> is the chainID in {@code containerd.io/snapshot.ref}.
 *
 * <p>Imports {@code core.*} and {@code source}; never gRPC, protobuf or {@code config}.
 */
package org.cvmfsstargz.snapshotter.core;
