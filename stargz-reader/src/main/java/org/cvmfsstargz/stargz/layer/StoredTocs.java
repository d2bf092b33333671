package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;
import org.cvmfsstargz.stargz.cache.DiskTocStore;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Toc;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a mount gets its layer's index: from the {@link DiskTocStore} if it holds the layer and
 * the TOC there verifies again, without a request; else from the registry, and the verified bytes
 * are then stored for the next time (a restart). A stored TOC is parsed against the TOC digest
 * the caller expects (or, when verification is off, the one it was verified against when kept),
 * exactly as a fetched one: one that fails is deleted and fetched again, never served.
 *
 * <p>Thread-safe; holds nothing but the store, which needs no closing.
 */
public final class StoredTocs {
    private static final Logger LOG = LoggerFactory.getLogger(StoredTocs.class);

    /** Fetches a layer's verified index from its registry. */
    @FunctionalInterface
    public interface Fetch {
        LayerIndex fetch() throws IOException, CorruptLayerException;
    }

    private final DiskTocStore store;
    private final TocFetcher tocs;

    public StoredTocs(DiskTocStore store, TocFetcher tocs) {
        this.store = Objects.requireNonNull(store, "store");
        this.tocs = Objects.requireNonNull(tocs, "tocs");
    }

    /**
     * The verified index of blob {@code layer}: the stored one, or {@code fetch}'s, then stored.
     *
     * @param tocDigest the digest the TOC must have; empty only when verification is off
     * @param blobOfSize the blob to read the layer's chunks from, given its size; it must not read
     *     anything to be made (a stored TOC needs no network)
     * @throws CorruptLayerException if the fetched TOC is refused
     * @throws IOException if the layer had to be fetched and could not be
     */
    public LayerIndex index(Digest layer, Optional<Digest> tocDigest, LongFunction<BlobSource> blobOfSize, Fetch fetch)
            throws IOException, CorruptLayerException {
        Optional<LayerIndex> stored = stored(layer, tocDigest, blobOfSize);
        if (stored.isPresent()) {
            return stored.get();
        }
        LayerIndex index = fetch.fetch();
        TocBytes bytes = index.bytes();
        try {
            store.put(layer, new DiskTocStore.StoredToc(bytes.blob().size(), bytes.footer(), index.toc().digest(),
                    bytes.section()));
        } catch (IOException | RuntimeException e) {
            // The mount works without it; only a restart without the registry would fail.
            LOG.warn("could not store the TOC of layer {}: {}", layer, e.toString());
        }
        return index;
    }

    /** Whether the store holds {@code layer}'s TOC (not verified): no need to fetch it ahead. */
    public boolean holds(Digest layer) {
        return store.contains(layer);
    }

    /** Deletes {@code layer}'s stored TOC: no snapshot uses the layer any more. */
    public void forget(Digest layer) {
        store.delete(layer);
    }

    /** Deletes every stored TOC but those of {@code layers}: what a crash between a removal and its deletion left. */
    public void keepOnly(Set<Digest> layers) {
        try {
            for (Digest layer : store.layers()) {
                if (!layers.contains(layer)) {
                    store.delete(layer);
                }
            }
        } catch (IOException e) {
            LOG.warn("could not list the stored TOCs: {}", e.toString());
        }
    }

    private Optional<LayerIndex> stored(Digest layer, Optional<Digest> tocDigest, LongFunction<BlobSource> blobOfSize) {
        Optional<DiskTocStore.StoredToc> stored = store.get(layer);
        if (stored.isEmpty()) {
            return Optional.empty();
        }
        DiskTocStore.StoredToc kept = stored.get();
        TocBytes bytes = new TocBytes(blobOfSize.apply(kept.blobSize()), kept.footer(), kept.section());
        try {
            Toc toc = tocs.parse(bytes, Optional.of(tocDigest.orElse(kept.tocDigest())));
            return Optional.of(new LayerIndex(bytes, toc, false));
        } catch (CorruptLayerException | RuntimeException e) {
            LOG.warn("deleting the stored TOC of layer {}, it does not verify: {}", layer, e.getMessage());
            store.delete(layer);
            return Optional.empty();
        }
    }
}
