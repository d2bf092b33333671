/**
 * The only place where this library touches a CVMFS repository to answer "is this layer here?":
 * {@link org.cvmfsstargz.cvmfs.probe.RepositoryProbe} stats paths computed by {@code resolve}, each
 * call on a platform thread awaited with a deadline, and tells ENOENT (not published) from EIO,
 * a missing mount or a hang (unavailable). {@link org.cvmfsstargz.cvmfs.probe.DeadlineCalls} is
 * the deadline and hang bookkeeping, shared with {@code stats}.
 *
 * <p>Sits after {@code resolve} in the flow. Imports nothing from the daemon, gRPC, protobuf or
 * containerd.
 */
package org.cvmfsstargz.cvmfs.probe;
