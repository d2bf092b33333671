/**
 * The daemon's composition root ({@link org.cvmfsstargz.snapshotter.Daemon}): the one place that
 * builds and wires objects. Flow: {@code grpc} -> {@code core} -> {@code core.store} |
 * {@code core.dirs} | {@code core.mount} -> {@code source} -> libraries.
 */
package org.cvmfsstargz.snapshotter;
