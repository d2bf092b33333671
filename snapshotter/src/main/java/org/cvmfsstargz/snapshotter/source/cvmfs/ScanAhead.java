package org.cvmfsstargz.snapshotter.source.cvmfs;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Semaphore;
import org.cvmfsstargz.cvmfs.probe.ProbeResult;
import org.cvmfsstargz.cvmfs.probe.RepositoryProbe;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;
import org.cvmfsstargz.snapshotter.source.RemoteLabels;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads ahead the whiteout plans of the layers a Prepare's labels name
 * ({@link RemoteLabels#imageLayers}: this layer and those after it in the image), so that when
 * containerd prepares the next layer its plan is ready: containerd prepares an image's layers one
 * after the other, and a walk of each in turn would add up.
 *
 * <p>For each layer not known yet, in the background: the repositories are asked whether they
 * publish it (a quiet probe, which never makes a repository unavailable), then its plan is loaded
 * through {@link LayerPlans}, the same one load a Prepare would join. At most
 * {@value #PARALLELISM} layers are looked at at once; a layer is looked at once (the last
 * {@value #REMEMBERED} are remembered). Nothing here decides a layer's fate or counts against a
 * repository: a look-ahead that fails leaves the layer to its Prepare, as if nothing had been
 * tried.
 *
 * <p>Thread-safe. {@link #close} stops starting new look-aheads.
 */
final class ScanAhead implements AutoCloseable {
    static final int PARALLELISM = 4;
    static final int REMEMBERED = 4096;
    private static final Logger LOG = LoggerFactory.getLogger(ScanAhead.class);

    private final List<Repository> repositories;
    private final RepositoryProbe probe;
    private final LayerPlans plans;
    private final Semaphore permits = new Semaphore(PARALLELISM);
    private final Set<LayerDigest> seen = Collections.newSetFromMap(Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, false) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<LayerDigest, Boolean> eldest) {
                    return size() > REMEMBERED;
                }
            }));
    private volatile boolean closed;

    /** @param probe a probe over quiet calls ({@link org.cvmfsstargz.cvmfs.probe.DeadlineCalls#quiet()}) */
    ScanAhead(List<Repository> repositories, RepositoryProbe probe, LayerPlans plans) {
        this.repositories = List.copyOf(repositories);
        this.probe = probe;
        this.plans = plans;
    }

    /** Starts looking at the layers {@code labels} name, except {@code current}; returns at once. */
    void schedule(Map<String, String> labels, LayerDigest current) {
        for (String listed : RemoteLabels.imageLayers(labels)) {
            Optional<LayerDigest> digest = parse(listed);
            if (closed || digest.isEmpty() || digest.get().equals(current) || plans.known(digest.get())
                    || !seen.add(digest.get())) {
                continue;
            }
            Thread.ofVirtual().name("scan-ahead-" + digest.get().hex().substring(0, 12)).start(() -> look(digest.get()));
        }
    }

    private void look(LayerDigest digest) {
        try {
            permits.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (!closed) {
                lookNow(digest);
            }
        } finally {
            permits.release();
        }
    }

    /** The first repository that publishes the layer, as in a Prepare; its plan loaded unless known. */
    private void lookNow(LayerDigest digest) {
        for (Repository repository : repositories) {
            if (probe.probe(repository, digest) instanceof ProbeResult.Published published) {
                Optional<LayerPlans.Load> load = plans.startUnknown(repository, digest, published.layerDir());
                if (load.isPresent()) {
                    try {
                        load.get().awaitWhileProgressing(); // holds the permit while the load works
                    } catch (IOException e) {
                        LOG.debug("whiteout plan not read ahead layer={} reason=\"{}\"", digest, e.getMessage());
                    }
                }
                return;
            }
        }
    }

    private static Optional<LayerDigest> parse(String digest) {
        try {
            return Optional.of(LayerDigest.parse(digest));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
