package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.cvmfsstargz.snapshotter.core.dirs.MountTable;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerClaim;
import org.cvmfsstargz.snapshotter.source.LayerRequest;
import org.cvmfsstargz.snapshotter.source.LayerSource;
import org.cvmfsstargz.snapshotter.source.RemoteSnapshot;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.fuse.FuseOperationListener;
import org.cvmfsstargz.stargz.fuse.LayerFilesystem;
import org.cvmfsstargz.stargz.fuse.LayerMount;
import org.cvmfsstargz.stargz.layer.BackgroundFetch;
import org.cvmfsstargz.stargz.layer.FetchListener;
import org.cvmfsstargz.stargz.layer.FetchMemory;
import org.cvmfsstargz.stargz.layer.LayerIndex;
import org.cvmfsstargz.stargz.layer.LayerReader;
import org.cvmfsstargz.stargz.layer.OpenedBlob;
import org.cvmfsstargz.stargz.layer.RegistryBlobSource;
import org.cvmfsstargz.stargz.layer.StoredTocs;
import org.cvmfsstargz.stargz.layer.TocFetcher;
import org.cvmfsstargz.stargz.layer.TocPrefetcher;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Provides eStargz layers lazily: a layer whose labels name its image and TOC digest, whose footer
 * and TOC verify, is mounted through FUSE at the snapshot's {@code fs}; its files' chunks are
 * fetched from the registry by range when read. Anything else (not eStargz, a TOC that does not
 * verify, a registry that does not answer, no FUSE) is declined with its reason, and containerd
 * pulls the layer.
 *
 * <p>The mounts live in this process: at start the source detaches mounts a dead daemon left,
 * and {@link #restore} mounts the layers of existing snapshots again from their stored labels and
 * their TOCs kept on disk ({@link StoredTocs}, so without the registry), in the background,
 * retrying a layer that fails ({@link LayerRestorer}); {@link #healthy} waits for that. Thread-safe.
 * The daemon closes it, which unmounts every layer.
 */
public final class EstargzLayerSource implements LayerSource {
    public static final String NAME = "estargz";
    /** The layer descriptor's annotation (a label on the Prepare) with the sha256 of the layer's TOC JSON. */
    public static final String TOC_DIGEST = LayerCoordinates.TOC_DIGEST;
    /** The type /proc/self/mountinfo shows for our mounts ({@code fuse.} and the FUSE subtype). */
    static final String FUSE_TYPE = "fuse.estargz";
    private static final Logger LOG = LoggerFactory.getLogger(EstargzLayerSource.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(15);
    /**
     * The most compressed bytes the chunk fetches of every layer hold at once (FetchMemory): the
     * kernel's read-ahead and containers' parallel reads otherwise start a fetch each, and the
     * heap would follow them. Counted in the daemon's memory plan.
     */
    public static final long FETCH_MEMORY_BYTES = 32L << 20;

    /**
     * What the source is built from.
     *
     * @param registry reads blobs; the source closes it
     * @param cache holds verified chunks; the source closes it
     * @param tocs reads and verifies a layer's index
     * @param prefetcher fetches the TOCs of an image's later layers ahead of their Prepare, and
     *     hands each layer's index to its mount; the source closes it
     * @param requireTocDigest refuse layers without the {@code toc.digest} label
     * @param readAheadBytes the window around a missed read whose small files come along
     *     ({@link LayerReader.Options#readAheadBytes()})
     * @param fetch prefetch and background fetch settings
     * @param restoreWait how long a Mounts waits for a layer being restored after a restart
     * @param stored keeps each mounted layer's verified TOC on disk, for restores
     */
    public record Settings(RegistryClient registry, ChunkCache cache, TocFetcher tocs, TocPrefetcher prefetcher,
            boolean requireTocDigest, int readAheadBytes, BackgroundFetch.Options fetch, Duration restoreWait,
            StoredTocs stored) {
        public Settings {
            if (readAheadBytes < 0) {
                throw new IllegalArgumentException("readAheadBytes " + readAheadBytes);
            }
            Objects.requireNonNull(registry, "registry");
            Objects.requireNonNull(cache, "cache");
            Objects.requireNonNull(tocs, "tocs");
            Objects.requireNonNull(prefetcher, "prefetcher");
            Objects.requireNonNull(fetch, "fetch");
            Objects.requireNonNull(restoreWait, "restoreWait");
            Objects.requireNonNull(stored, "stored");
        }
    }

    private final Settings settings;
    private final Path snapshotsDir;
    private final FetchListener fetchListener;
    private final FuseOperationListener fuseListener;
    private final Semaphore backgroundPermits = new Semaphore(1);
    private final FetchMemory fetchMemory = new FetchMemory(FETCH_MEMORY_BYTES);
    /** By snapshot directory: the layer mounted there, or being mounted (restore). */
    private final Map<Path, CompletableFuture<MountedLayer>> layers = new ConcurrentHashMap<>();
    private final LayerRestorer<MountedLayer> restorer;
    private final StoredTocUsers tocUsers;

    /**
     * @param snapshotsDir where snapshot directories are; stale mounts under it are detached at {@link #restore}
     */
    public EstargzLayerSource(Settings settings, Path snapshotsDir, FetchListener fetchListener,
            FuseOperationListener fuseListener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.snapshotsDir = Objects.requireNonNull(snapshotsDir, "snapshotsDir");
        this.fetchListener = Objects.requireNonNull(fetchListener, "fetchListener");
        this.fuseListener = Objects.requireNonNull(fuseListener, "fuseListener");
        this.restorer = new LayerRestorer<>(layers, this::restoreMount, LayerRestorer.Backoff.DEFAULT,
                LayerRestorer.Scheduler.DELAYED);
        this.tocUsers = new StoredTocUsers(settings.stored());
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public LayerClaim claim(LayerRequest request) {
        LayerCoordinates coordinates;
        switch (LayerCoordinates.parse(request.labels())) {
            case LayerCoordinates.Parsed.Declined declined -> {
                return declined.notMine();
            }
            case LayerCoordinates.Parsed.Found found -> coordinates = found.coordinates();
        }
        if (coordinates.tocDigest().isEmpty() && settings.requireTocDigest()) {
            return noTocDigest();
        }
        tocUsers.use(request.snapshotDir(), coordinates.layer());
        try {
            MountedLayer layer = mount(coordinates, request.contentDir(), true);
            layers.put(request.snapshotDir(), CompletableFuture.completedFuture(layer));
            return new LayerClaim.Remote(NAME, Map.of());
        } catch (CorruptLayerException | IOException | RuntimeException e) {
            tocUsers.release(request.snapshotDir());
            if (e instanceof RuntimeException runtime) {
                throw runtime;
            }
            return declined(coordinates.toString(), e);
        }
    }

    /**
     * Why a layer whose footer or TOC could not be fetched or verified is declined: not eStargz,
     * corrupt, not in the registry, or the registry unavailable. {@code inspect} reports with it
     * what a claim would decide.
     *
     * @param layer the layer, as the reason names it
     */
    public static LayerClaim.NotMine declined(String layer, Exception e) {
        return switch (e) {
            case CorruptLayerException corrupt -> new LayerClaim.NotMine(layer + ": " + e.getMessage(),
                    corrupt.reason() == CorruptLayerException.Reason.NOT_ESTARGZ
                            ? DeclineReason.NOT_ESTARGZ : DeclineReason.CORRUPT);
            case RegistryException registry -> new LayerClaim.NotMine(e.getMessage(),
                    registry.kind() == RegistryException.Kind.NOT_FOUND
                            ? DeclineReason.NOT_PUBLISHED : DeclineReason.UNAVAILABLE);
            // A blob source reports the registry's refusal as an IOException caused by it.
            case IOException io when io.getCause() instanceof RegistryException registry -> declined(layer, registry);
            default -> new LayerClaim.NotMine(layer + ": " + e.getMessage(), DeclineReason.UNAVAILABLE);
        };
    }

    /** Why a layer without a TOC digest is declined when {@code estargz.require_toc_digest} is on. */
    public static LayerClaim.NotMine noTocDigest() {
        return new LayerClaim.NotMine("no " + TOC_DIGEST + " label: not an eStargz layer", DeclineReason.NOT_ESTARGZ);
    }

    /**
     * Detaches the mounts a dead daemon left (none of them can work), deletes the stored TOCs no
     * snapshot uses, then mounts each layer again in the background, retrying those that fail.
     */
    @Override
    public void restore(List<RemoteSnapshot> snapshots) {
        StaleMounts.detachUnder(MountTable.ofThisProcess(), snapshotsDir, FUSE_TYPE);
        for (RemoteSnapshot snapshot : snapshots) {
            if (LayerCoordinates.parse(snapshot.labels()) instanceof LayerCoordinates.Parsed.Found found) {
                tocUsers.use(snapshot.snapshotDir(), found.coordinates().layer());
            }
        }
        tocUsers.deleteUnused();
        snapshots.forEach(restorer::start);
    }

    /** One attempt to mount a restored snapshot's layer, from its stored TOC if it has one. */
    private MountedLayer restoreMount(RemoteSnapshot snapshot) throws IOException, CorruptLayerException {
        if (!(LayerCoordinates.parse(snapshot.labels()) instanceof LayerCoordinates.Parsed.Found found)) {
            throw new IOException("its labels do not name an eStargz layer");
        }
        return mount(found.coordinates(), snapshot.contentDir(), false);
    }

    /** How many layers are mounted now, restored ones included and ones still being restored not; for metrics. */
    public int mountedLayers() {
        int mounted = 0;
        for (CompletableFuture<MountedLayer> layer : layers.values()) {
            if (layer.isDone() && !layer.isCompletedExceptionally()) {
                mounted++;
            }
        }
        return mounted;
    }

    /** Whether the layer is mounted and answers; a restore that failed is tried again first (at most once a second). */
    @Override
    public boolean healthy(RemoteSnapshot snapshot) {
        try {
            CompletableFuture<MountedLayer> layer = restorer.current(snapshot).orElse(null);
            if (layer == null) {
                return false;
            }
            return layer.get(settings.restoreWait().toMillis(), TimeUnit.MILLISECONDS).healthy();
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    @Override
    public void release(RemoteSnapshot snapshot) {
        CompletableFuture<MountedLayer> layer = layers.remove(snapshot.snapshotDir());
        restorer.forget(snapshot.snapshotDir());
        if (layer != null) {
            layer.thenAccept(MountedLayer::close).exceptionally(e -> null).join();
        }
        tocUsers.release(snapshot.snapshotDir());
    }

    /**
     * Unmounts every layer, in parallel and within {@link #CLOSE_WAIT}: a mount a running
     * container still uses is detached at once but served until its files are closed, and waiting
     * for each in turn would outlast systemd's stop timeout. The process's exit ends them anyway.
     */
    @Override
    public void close() {
        List<Thread> closing = new ArrayList<>();
        for (Path dir : new ArrayList<>(layers.keySet())) {
            CompletableFuture<MountedLayer> layer = layers.remove(dir);
            if (layer != null) {
                layer.cancel(false);
                if (layer.isDone() && !layer.isCompletedExceptionally()) {
                    closing.add(Thread.ofVirtual().start(layer.join()::close));
                }
            }
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (Thread thread : closing) {
            try {
                thread.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        settings.prefetcher().close();
        settings.registry().close();
        settings.cache().close();
    }

    /**
     * Mounts the layer at {@code mountpoint}; with {@code fetchAhead} (a Prepare, not a restore,
     * whose layers are all mounted at once anyway) it also starts fetching the TOCs of the layers
     * above, once this layer's first read is answered: containerd prepares them one after another,
     * and their fetches then overlap this layer's parse and mount without slowing its first request.
     */
    private MountedLayer mount(LayerCoordinates coordinates, Path mountpoint, boolean fetchAhead)
            throws IOException, CorruptLayerException {
        long started = System.nanoTime();
        long[] opened = {0};
        Runnable afterOpen = () -> {
            opened[0] = System.nanoTime();
            if (fetchAhead) {
                prefetchFollowing(coordinates);
            }
        };
        LayerIndex index = tocUsers.tocs().index(coordinates.layer(), coordinates.tocDigest(),
                size -> RegistryBlobSource.ofKnownSize(settings.registry(), coordinates.repository(), coordinates.layer(),
                        size),
                () -> settings.prefetcher().take(coordinates.toString(), loader(coordinates, afterOpen, Long.MAX_VALUE),
                        coordinates.tocDigest()));
        if (fetchAhead) {
            prefetchFollowing(coordinates); // a prefetched or stored TOC came without the loader: nothing started yet
        }
        long tocRead = System.nanoTime();
        Toc toc = index.toc();
        LayerReader reader = new LayerReader(toc, index.blob(), settings.cache(), new LayerReader.Options(
                coordinates.layer(), settings.requireTocDigest(), 4 << 20, 64 << 10, settings.readAheadBytes(), 2, fetchListener,
                fetchMemory));
        LayerFilesystem filesystem = new LayerFilesystem(coordinates.layer(), toc, reader, fuseListener);
        long built = System.nanoTime();
        LayerMount mount = LayerMount.mount(mountpoint, filesystem);
        BackgroundFetch fetch = new BackgroundFetch(reader, settings.fetch(), backgroundPermits,
                coordinates.layer().hex().substring(0, 12));
        fetch.start();
        // size_ms: the read that sized the blob and brought its tail; toc_ms: the rest of the TOC and its
        // parse, or the wait for a prefetched one (prefetched=true, size_ms=0); mount_ms: the FUSE
        // filesystem built from the TOC (fs_ms of it) and mounted.
        long sized = opened[0] == 0 ? started : opened[0];
        LOG.debug("mounted eStargz layer layer={} entries={} chunks={} prefetched={} size_ms={} toc_ms={} mount_ms={}"
                + " fs_ms={}", coordinates, toc.nameCount(), toc.chunkCount(), index.prefetched(),
                (sized - started) / 1_000_000, (tocRead - sized) / 1_000_000, (System.nanoTime() - tocRead) / 1_000_000,
                (built - tocRead) / 1_000_000);
        return new MountedLayer(coordinates, mount, fetch);
    }

    /** Starts fetching the TOCs of the layers the labels list above {@code coordinates}; those held or in flight are skipped. */
    private void prefetchFollowing(LayerCoordinates coordinates) {
        settings.prefetcher().prefetch(coordinates.following().stream()
                .filter(digest -> !tocUsers.tocs().holds(digest))
                .map(digest -> new TocPrefetcher.Layer(coordinates.sibling(digest).toString(),
                        loader(coordinates.sibling(digest), () -> { }, settings.prefetcher().maxSectionBytes())))
                .toList());
    }

    /**
     * Reads the layer's footer and TOC section from its registry: its tail, which sizes the blob
     * too, then the rest of the TOC if it is larger; runs {@code afterOpen} when the tail came.
     */
    private TocPrefetcher.Loader loader(LayerCoordinates coordinates, Runnable afterOpen, long maxSectionBytes) {
        return () -> {
            OpenedBlob blob = RegistryBlobSource.openAtTail(settings.registry(), coordinates.repository(),
                    coordinates.layer(), TocFetcher.TAIL_BYTES, fetchListener);
            afterOpen.run();
            return settings.tocs().fetchBytes(blob, fetchListener, maxSectionBytes);
        };
    }
}
