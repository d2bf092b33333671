/**
 * containerd's Snapshots gRPC service over the core, and the Unix-socket server. The only
 * package that sees generated protobuf classes; {@code ProtoMapping} and {@code StatusMapping}
 * translate at the boundary.
 */
package org.cvmfsstargz.snapshotter.grpc;
