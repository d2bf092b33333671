/**
 * The List (Walk) filters of containerd's Snapshots API: parsing a request's filter strings and
 * matching {@code SnapshotInfo} against them, with containerd's grammar and field semantics.
 *
 * <p>Pure and part of {@code core}: no I/O, no state, no logging. It imports only core types
 * ({@code SnapshotInfo}, {@code Kind}, {@code SnapshotException}) and the JDK, never
 * {@code core.store}, gRPC or protobuf; the store walks snapshots and asks the filter which to keep.
 */
package org.cvmfsstargz.snapshotter.core.filter;
