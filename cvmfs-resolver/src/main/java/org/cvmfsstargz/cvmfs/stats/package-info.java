/**
 * Statistics a CVMFS client publishes as extended attributes of a repository root ({@code
 * user.revision}, {@code user.nioerr}, ...; reference cvmfs.md §4.2), read with the same deadline
 * and hang bookkeeping as {@code probe}. For health dashboards and metrics, not for decisions.
 *
 * <p>Beside {@code probe} in the flow. Imports nothing from the daemon, gRPC, protobuf or
 * containerd.
 */
package org.cvmfsstargz.cvmfs.stats;
