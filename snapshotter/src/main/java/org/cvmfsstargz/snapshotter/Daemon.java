package org.cvmfsstargz.snapshotter;

import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.cvmfs.probe.DeadlineCalls;
import org.cvmfsstargz.cvmfs.stats.RepositoryStats;
import org.cvmfsstargz.cvmfs.whiteout.DiskPlanCache;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.CvmfsConfig;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.cvmfsstargz.snapshotter.config.EstargzConfig;
import org.cvmfsstargz.snapshotter.config.RegistryConfig;
import org.cvmfsstargz.snapshotter.core.Snapshotter;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.core.dirs.RootLock;
import org.cvmfsstargz.snapshotter.core.dirs.SnapshotDirectories;
import org.cvmfsstargz.snapshotter.core.mount.OverlayMounts;
import org.cvmfsstargz.snapshotter.core.store.SqliteMetaStore;
import org.cvmfsstargz.snapshotter.grpc.SnapshotsService;
import org.cvmfsstargz.snapshotter.grpc.SocketServer;
import org.cvmfsstargz.snapshotter.metrics.ChunkCacheCollector;
import org.cvmfsstargz.snapshotter.metrics.CvmfsRepositoryCollector;
import org.cvmfsstargz.snapshotter.metrics.CvmfsUnavailabilityMetrics;
import org.cvmfsstargz.snapshotter.metrics.DaemonRegistry;
import org.cvmfsstargz.snapshotter.metrics.EstargzMountMetrics;
import org.cvmfsstargz.snapshotter.metrics.FetchMetrics;
import org.cvmfsstargz.snapshotter.metrics.FuseOperationMetrics;
import org.cvmfsstargz.snapshotter.metrics.LayerDecisionMetrics;
import org.cvmfsstargz.snapshotter.metrics.MetricsServer;
import org.cvmfsstargz.snapshotter.metrics.RpcMetrics;
import org.cvmfsstargz.snapshotter.metrics.TocPrefetchMetrics;
import org.cvmfsstargz.snapshotter.source.LayerDecisionListener;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsWarmUp;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzWarmUp;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.DiskChunkCache;
import org.cvmfsstargz.stargz.cache.DiskTocStore;
import org.cvmfsstargz.stargz.cache.MemoryChunkCache;
import org.cvmfsstargz.stargz.cache.TieredChunkCache;
import org.cvmfsstargz.stargz.fuse.FuseOperationListener;
import org.cvmfsstargz.stargz.layer.BackgroundFetch;
import org.cvmfsstargz.stargz.layer.FetchListener;
import org.cvmfsstargz.stargz.layer.StoredTocs;
import org.cvmfsstargz.stargz.layer.TocFetcher;
import org.cvmfsstargz.stargz.layer.TocPrefetcher;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: the one place that builds and wires the daemon's objects, in start-up
 * order (root lock, store, directories, snapshotter, socket, metrics endpoint), and takes them
 * down in reverse.
 * Not thread-safe; {@link #close()} is called once, by the shutdown hook or a test.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    /** Later layers' TOCs fetched at once: enough to cover an image while its first layers mount. */
    private static final int TOC_PREFETCH_PARALLELISM = 4;
    /** How long a prefetched TOC waits for its layer's Prepare: containerd prepares the next within a second. */
    private static final Duration TOC_PREFETCH_EXPIRY = Duration.ofMinutes(1);

    private final DaemonConfig config;
    private final RootLock lock;
    private final SqliteMetaStore store;
    private final Snapshotter snapshotter;
    private final LayerSourceChain sources;
    private final SocketServer server;
    /** Set once by {@link #start(Config)} before the daemon is handed out. */
    private Optional<MetricsServer> metrics = Optional.empty();
    private Optional<DaemonRegistry> registry = Optional.empty();
    private boolean closed;

    private Daemon(DaemonConfig config, RootLock lock, SqliteMetaStore store, Snapshotter snapshotter,
            LayerSourceChain sources, SocketServer server) {
        this.config = config;
        this.lock = lock;
        this.store = store;
        this.snapshotter = snapshotter;
        this.sources = sources;
        this.server = server;
    }

    /**
     * Starts serving with the layer sources {@code config} enables, in the order CVMFS, eStargz, then pull,
     * and the metrics endpoint when enabled (bound last: a daemon whose socket or root is refused
     * never takes the port). A metrics address that cannot be bound stops the daemon again.
     */
    public static Daemon start(Config config) {
        // The root first: a second daemon refused for it must not open the first one's chunk cache.
        RootLock lock = RootLock.acquire(config.daemon().root());
        Optional<DaemonRegistry> registry = Optional.empty();
        Daemon daemon;
        try {
            registry = config.metrics().enabled() ? Optional.of(DaemonRegistry.create()) : Optional.empty();
            LayerSourceChain sources = sources(config, registry);
            List<ServerInterceptor> interceptors = registry.<ServerInterceptor>map(r -> new RpcMetrics(r.registry()))
                    .stream().toList();
            // Before the socket exists: the first layer then finds what the AOT cache cannot hold
            // (FFM and jnr-fuse stubs, compiled parser code) made, and containerd's first calls do
            // not compete with the warm-ups for the processors.
            if (config.cvmfs().enabled()) {
                CvmfsWarmUp.run(config.daemon().root());
            }
            if (config.estargz().enabled()) {
                EstargzWarmUp.run();
            }
            daemon = start(config.daemon(), lock, sources, interceptors); // on failure releases sources and lock
            daemon.registry = registry;
        } catch (RuntimeException e) {
            registry.ifPresent(DaemonRegistry::close);
            if (lock.held()) {
                lock.close();
            }
            throw e;
        }
        if (registry.isPresent()) {
            try {
                daemon.metrics = Optional.of(MetricsServer.start(config.metrics().bindAddress(),
                        registry.get()::scrape));
            } catch (RuntimeException e) {
                daemon.close(); // releases everything, the metrics registry included
                throw e;
            }
            LOG.info("serving metrics http://{}/metrics", config.metrics().address());
        }
        return daemon;
    }

    /** The enabled layer sources, in the order CVMFS, eStargz; those opened are closed again if a later one fails. */
    private static LayerSourceChain sources(Config config, Optional<DaemonRegistry> registry) {
        List<LayerSource> sources = new ArrayList<>();
        LayerDecisionListener decisions = registry.<LayerDecisionListener>map(
                r -> new LayerDecisionMetrics(r.registry())).orElse(LayerDecisionListener.NONE);
        try {
            if (config.cvmfs().enabled()) {
                sources.add(cvmfsSource(config.cvmfs(), config.daemon().root(), registry));
            }
            if (config.estargz().enabled()) {
                sources.add(estargzSource(config, registry));
            }
            return new LayerSourceChain(sources, decisions);
        } catch (RuntimeException e) {
            new LayerSourceChain(sources, decisions).close();
            throw e;
        }
    }

    private static CvmfsLayerSource cvmfsSource(CvmfsConfig config, Path root, Optional<DaemonRegistry> registry) {
        // One DeadlineCalls: a repository hung in a probe is not read for statistics, and the reverse.
        DeadlineCalls calls = new DeadlineCalls(Duration.ofMillis(config.probeTimeoutMs()));
        Path whiteouts = CvmfsConfig.whiteoutCacheDir(root);
        DiskPlanCache plans;
        try {
            plans = DiskPlanCache.open(whiteouts, config.whiteoutCacheMaxEntries());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the whiteout plan cache " + whiteouts + ": " + e.getMessage(), e);
        }
        CvmfsLayerSource source = CvmfsLayerSource.of(config, calls, plans);
        registry.ifPresent(r -> {
            new CvmfsUnavailabilityMetrics(config.repositories(), source).bindTo(r.registry());
            r.registry().getPrometheusRegistry().register(
                    CvmfsRepositoryCollector.of(config.repositoryList(), new RepositoryStats(calls)));
        });
        LOG.info("layer source cvmfs mountpoint={} repositories={} probe_timeout_ms={} whiteout_cache={}"
                + " whiteout_cache_entries={}", config.mountpoint(), config.repositories(), config.probeTimeoutMs(),
                config.whiteoutCacheMaxEntries() == 0 ? "off" : whiteouts, plans.size());
        return source;
    }

    private static EstargzLayerSource estargzSource(Config config, Optional<DaemonRegistry> metrics) {
        EstargzConfig estargz = config.estargz();
        RegistryConfig registry = config.registry();
        RegistryOptions options = RegistrySettings.options(registry, Set.of());
        Path cacheDir = estargz.cacheDir(config.daemon().root());
        ChunkCache cache;
        try {
            cache = estargz.cacheMaxBytes() == 0 ? ChunkCache.none() : new TieredChunkCache(
                    new MemoryChunkCache(estargz.memoryCacheMaxBytes()), DiskChunkCache.open(cacheDir,
                    estargz.cacheMaxBytes()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the chunk cache " + cacheDir + ": " + e.getMessage(), e);
        }
        TocFetcher tocs = SourceSettings.tocFetcher(estargz);
        StoredTocs stored;
        try {
            // Kept whether or not chunks are cached: a restart needs them to mount layers without the registry.
            stored = new StoredTocs(DiskTocStore.open(cacheDir), tocs);
        } catch (IOException e) {
            cache.close();
            throw new UncheckedIOException("cannot open the TOC store in " + cacheDir + ": " + e.getMessage(), e);
        }
        TocPrefetcher prefetcher = new TocPrefetcher(tocs, new TocPrefetcher.Options(TOC_PREFETCH_PARALLELISM,
                estargz.tocPrefetchMaxBytes(), TOC_PREFETCH_EXPIRY), Clock.systemUTC(), metrics.<TocPrefetcher.Listener>map(
                m -> new TocPrefetchMetrics(m.registry())).orElse(TocPrefetcher.Listener.NONE));
        EstargzLayerSource.Settings settings = new EstargzLayerSource.Settings(new RegistryClient(options), cache,
                tocs, prefetcher, estargz.requireTocDigest(), Math.toIntExact(estargz.readAheadBytes()),
                new BackgroundFetch.Options(estargz.prefetch(),
                estargz.backgroundFetch(), 4 << 20, Duration.ofMillis(200)), Duration.ofSeconds(60), stored);
        LOG.info("layer source estargz cache_dir={} cache_max_bytes={} prefetch={} background_fetch={}"
                + " toc_prefetch_max_bytes={} read_ahead_bytes={}", cacheDir, estargz.cacheMaxBytes(),
                estargz.prefetch(), estargz.backgroundFetch(), estargz.tocPrefetchMaxBytes(), estargz.readAheadBytes());
        EstargzLayerSource source = new EstargzLayerSource(settings, config.daemon().root().resolve("snapshots"),
                metrics.<FetchListener>map(m -> new FetchMetrics(m.registry())).orElse(FetchListener.NONE),
                metrics.<FuseOperationListener>map(m -> new FuseOperationMetrics(m.registry()))
                        .orElse(FuseOperationListener.NONE));
        metrics.ifPresent(m -> {
            new EstargzMountMetrics(source).bindTo(m.registry());
            TocPrefetchMetrics.bindHeldBytes(m.registry(), prefetcher::heldBytes);
            m.registry().getPrometheusRegistry().register(new ChunkCacheCollector(settings.cache()));
        });
        return source;
    }

    /** Starts serving; fails, having changed nothing on disk, if the root or socket is in use or the store is unusable. */
    public static Daemon start(DaemonConfig config, LayerSourceChain sources) {
        return start(config, RootLock.acquire(config.root()), sources, List.of());
    }

    /** Starts serving on a root whose {@code lock} is held; on failure closes {@code sources} and the lock. */
    private static Daemon start(DaemonConfig config, RootLock lock, LayerSourceChain sources,
            List<ServerInterceptor> interceptors) {
        long started = System.nanoTime();
        SqliteMetaStore store = null;
        Snapshotter snapshotter = null;
        try {
            store = SqliteMetaStore.open(config.root().resolve("metadata.db"));
            SnapshotDirectories dirs = new SnapshotDirectories(config.root(),
                    MountTable.ofThisProcessAnd(config.hostMountTableIfSet()));
            OverlayMounts overlay = new OverlayMounts(OverlayMounts.kernelHasIndexFeature());
            snapshotter = new Snapshotter(store, dirs, overlay, sources, Clock.systemUTC());
            int restored = snapshotter.restoreRemoteSnapshots(); // before cleanup: a dead mount blocks a deletion
            int leftovers = snapshotter.cleanup(); // directories a crash left behind
            SocketServer server = SocketServer.start(config.socket(),
                    ServerInterceptors.intercept(new SnapshotsService(snapshotter), interceptors));
            LOG.info("serving socket={} root={} remote_snapshots={} removed_leftovers={} started_ms={}",
                    config.socket(), config.root(), restored, leftovers, (System.nanoTime() - started) / 1_000_000);
            return new Daemon(config, lock, store, snapshotter, sources, server);
        } catch (RuntimeException e) {
            sources.close();
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
     * Finishes calls in flight (up to the configured grace), cancels those still running, then
     * releases everything; the store only once no call can reach it any more. Safe to
     * call more than once and from several threads: later calls wait for the first to finish.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.info("stopping socket={}", config.socket());
        metrics.ifPresent(MetricsServer::close);
        boolean callsEnded = server.stop(Duration.ofSeconds(config.shutdownGraceSeconds()));
        sources.close(); // unmounts remote layers: no FUSE mount outlives the process that serves it
        if (callsEnded) {
            snapshotter.close();
            store.close();
            lock.close();
        } else {
            // A call ignored its cancellation: closing the store under it could corrupt what it
            // writes. The process is exiting; the database's journal makes an unclosed store safe.
            LOG.warn("calls still running after their cancellation; the metadata store is left open until exit");
        }
        registry.ifPresent(DaemonRegistry::close);
        LOG.info("stopped");
    }
}
