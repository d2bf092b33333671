package org.cvmfsstargz.snapshotter.core.store;

/**
 * The daemon's persistent record of snapshots: keys, kinds, parents, labels, timestamps and
 * usage, kept so that a crash or {@code kill -9} at any moment leaves it consistent.
 *
 * <p>Thread-safe: transactions run one at a time. No network, FUSE or CVMFS I/O may happen
 * inside a body; read what is needed, release, act, then write. The daemon's composition root
 * opens the store and closes it at shutdown.
 */
public interface MetaStore extends AutoCloseable {

    /** The work done inside one transaction. */
    @FunctionalInterface
    interface Body<T> {
        T run(Tx tx);
    }

    /** Runs {@code body} in a read-only transaction. */
    <T> T read(Body<T> body);

    /** Runs {@code body} in a write transaction: committed if it returns, rolled back if it throws. */
    <T> T write(Body<T> body);

    @Override
    void close();
}
