/**
 * The metadata store: a transactional record of every snapshot that survives crashes. Pure
 * storage: it knows nothing of directories, mounts or gRPC, and takes explicit {@code Tx}
 * parameters rather than thread-local transactions.
 */
package org.cvmfsstargz.snapshotter.core.store;
