package org.cvmfsstargz.snapshotter;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.cvmfsstargz.snapshotter.core.Snapshotter;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.core.dirs.RootLock;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.SqliteMetaStore;
import org.cvmfsstargz.snapshotter.grpc.SnapshotsService;
import org.cvmfsstargz.snapshotter.grpc.SocketServer;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the one place that builds and wires the daemon's objects, in start-up
 * order (root lock, store, directories, snapshotter, socket), and takes them down in reverse.
 * Not thread-safe; {@link #close()} is called once, by the shutdown hook or a test.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private final DaemonConfig config;
    private final RootLock lock;
    private final SqliteMetaStore store;
    private final Snapshotter snapshotter;
    private final SocketServer server;
    private boolean closed;

    private Daemon(DaemonConfig config, RootLock lock, SqliteMetaStore store, Snapshotter snapshotter,
            SocketServer server) {
        this.config = config;
        this.lock = lock;
        this.store = store;
        this.snapshotter = snapshotter;
        this.server = server;
    }

    /** Starts serving with the layer sources {@code config} enables, in the order CVMFS, then pull. */
    public static Daemon start(Config config) {
        List<LayerSource> sources = new ArrayList<>();
        if (config.cvmfs().enabled()) {
            sources.add(CvmfsLayerSource.of(config.cvmfs()));
            LOG.info("layer source cvmfs mountpoint={} repositories={} probe_timeout_ms={}",
                    config.cvmfs().mountpoint(), config.cvmfs().repositories(), config.cvmfs().probeTimeoutMs());
        }
        return start(config.daemon(), new LayerSourceChain(sources));
    }

    /** Starts serving; fails, having changed nothing on disk, if the root or socket is in use or the store is unusable. */
    public static Daemon start(DaemonConfig config, LayerSourceChain sources) {
        long started = System.nanoTime();
        RootLock lock = RootLock.acquire(config.root());
        SqliteMetaStore store = null;
        Snapshotter snapshotter = null;
        try {
            store = SqliteMetaStore.open(config.root().resolve("metadata.db"));
            SnapshotDirectories dirs = new SnapshotDirectories(config.root(), MountTable.ofThisProcess());
            OverlayMounts overlay = new OverlayMounts(OverlayMounts.kernelHasIndexFeature());
            snapshotter = new Snapshotter(store, dirs, overlay, sources, Clock.systemUTC());
            int leftovers = snapshotter.cleanup(); // directories a crash left behind
            SocketServer server = SocketServer.start(config.socket(), new SnapshotsService(snapshotter));
            LOG.info("serving socket={} root={} removed_leftovers={} started_ms={}", config.socket(), config.root(),
                    leftovers, (System.nanoTime() - started) / 1_000_000);
            return new Daemon(config, lock, store, snapshotter, server);
        } catch (RuntimeException e) {
            if (snapshotter != null) {
                snapshotter.close();
            }
            if (store != null) {
                store.close();
            }
            lock.close();
            throw e;
        }
    }

    /** The snapshot core this daemon serves, for callers embedding the daemon (tests, benchmarks). */
    public Snapshotter snapshotter() {
        return snapshotter;
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    /**
     * Finishes calls in flight (up to the configured grace), then releases everything. Safe to
     * call more than once and from several threads: later calls wait for the first to finish.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("stopping socket={}", config.socket());
        server.stop(Duration.ofSeconds(config.shutdownGraceSeconds()));
        snapshotter.close();
        store.close();
        lock.close();
        LOG.info("stopped");
    }
}
