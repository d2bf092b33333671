package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import org.cvmfsstargz.stargz.cache.ChunkCache;
import org.cvmfsstargz.stargz.cache.ChunkKey;
import org.cvmfsstargz.stargz.cache.ChunkSink;
import org.cvmfsstargz.stargz.format.ChunkVerifier;
import org.cvmfsstargz.stargz.format.CorruptLayerException;

/**
 * Fetches chunks of one layer's blob, verifies them and stores them in the cache, one fetch per
 * chunk however many reads wait for it: a chunk is registered while its fetch is under way, and
 * its future tells the waiting reads where the verified bytes are. When the cache takes a chunk by
 * streaming ({@link ChunkCache#sink}, the disk cache), it is inflated, hashed and written at once,
 * never held whole, and the reads copy their ranges from the cache ({@link Verified.Stored});
 * otherwise it is verified into an array, put, and handed over ({@link Verified.Held}). Nothing
 * that failed verification is stored or handed over.
 *
 * <p>Thread-safe; holds no resources (the cache and blob source belong to the reader's owner).
 */
final class ChunkFetcher {
    /** Where a verified chunk's bytes are. */
    sealed interface Verified {
        /** In the cache, to be read by range. */
        record Stored() implements Verified {}

        /** In hand, the whole chunk. */
        record Held(byte[] bytes) implements Verified {}
    }

    static final Verified STORED = new Verified.Stored();

    private final BlobSource blob;
    private final ChunkCache cache;
    private final ChunkVerifier verifier;
    private final LayerReader.Options options;
    private final ConcurrentHashMap<ChunkKey, CompletableFuture<Verified>> inFlight = new ConcurrentHashMap<>();

    ChunkFetcher(BlobSource blob, ChunkCache cache, LayerReader.Options options) {
        this.blob = Objects.requireNonNull(blob, "blob");
        this.cache = Objects.requireNonNull(cache, "cache");
        this.options = Objects.requireNonNull(options, "options");
        this.verifier = new ChunkVerifier(options.digestRequired());
    }

    /** Registers {@code mine} as the fetch of {@code key}, or gives the fetch already under way. */
    Optional<CompletableFuture<Verified>> register(ChunkKey key, CompletableFuture<Verified> mine) {
        return Optional.ofNullable(inFlight.putIfAbsent(key, mine));
    }

    boolean fetching(ChunkKey key) {
        return inFlight.containsKey(key);
    }

    /**
     * Fetches the chunks this thread {@linkplain #register registered}, in as few ranges as
     * {@link FetchPlan} allows, and completes every one of their futures, failed if need be.
     */
    void fetch(Map<FileChunk, CompletableFuture<Verified>> owned, FetchPurpose purpose) {
        try {
            List<FetchPlan.Batch> batches = FetchPlan.of(List.copyOf(owned.keySet()), options.maxRangeBytes(),
                    options.maxGap());
            long bytes = batches.stream().mapToLong(b -> b.range().length()).sum();
            try (FetchMemory.Permit room = options.fetchMemory().acquire(bytes)) {
                long started = System.nanoTime();
                List<byte[]> fetched = blob.read(batches.stream().map(FetchPlan.Batch::range).toList());
                options.listener().fetched(purpose, batches.size(), fetched.stream().mapToLong(b -> b.length).sum(),
                        System.nanoTime() - started);
                for (int b = 0; b < batches.size(); b++) {
                    FetchPlan.Batch batch = batches.get(b);
                    byte[] batchBytes = fetched.get(b);
                    for (FileChunk chunk : batch.chunks()) {
                        complete(owned.get(chunk), () -> verify(chunk, batch, batchBytes, true));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            options.listener().fetchFailed(purpose);
            IOException failure = e instanceof IOException io ? io
                    : new IOException("reading " + blob.describe() + " failed: " + e, e);
            owned.values().forEach(f -> f.completeExceptionally(failure));
        } finally {
            owned.forEach((chunk, future) -> {
                inFlight.remove(key(chunk), future);
                future.completeExceptionally(new IOException("chunk was not in the bytes fetched"));
            });
        }
    }

    /**
     * The chunk's verified bytes, fetched now and held, not shared with other reads: for a read
     * whose chunk left the cache between its fetch and the read's copy.
     */
    byte[] fetchHeld(FileChunk chunk, FetchPurpose purpose) throws IOException {
        FetchPlan.Batch batch = FetchPlan.of(List.of(chunk), options.maxRangeBytes(), options.maxGap()).getFirst();
        try (FetchMemory.Permit room = options.fetchMemory().acquire(batch.range().length())) {
            long started = System.nanoTime();
            byte[] bytes = blob.read(List.of(batch.range())).getFirst();
            options.listener().fetched(purpose, 1, bytes.length, System.nanoTime() - started);
            return ((Verified.Held) verify(chunk, batch, bytes, false)).bytes();
        } catch (CorruptLayerException e) {
            options.listener().verificationFailed();
            throw new IOException(blob.describe() + ": " + e.getMessage(), e);
        }
    }

    /** Waits for a fetch; its failure as an {@link IOException}. */
    static Verified await(CompletableFuture<Verified> future) throws IOException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw new IOException(io.getMessage(), io);
            }
            throw new IOException(e.getCause().toString(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for a chunk", e);
        }
    }

    @FunctionalInterface
    private interface Verification {
        Verified run() throws CorruptLayerException;
    }

    private void complete(CompletableFuture<Verified> future, Verification verification) {
        try {
            future.complete(verification.run());
        } catch (CorruptLayerException e) {
            options.listener().verificationFailed();
            future.completeExceptionally(new IOException(blob.describe() + ": " + e.getMessage(), e));
        }
    }

    /**
     * Verifies {@code chunk} from the batch's bytes: into the cache as it is inflated when
     * {@code stream} and the cache takes it so, else into an array that is put in the cache.
     */
    private Verified verify(FileChunk chunk, FetchPlan.Batch batch, byte[] bytes, boolean stream)
            throws CorruptLayerException {
        int from = (int) Math.min(chunk.chunk().offset() - batch.range().offset(), bytes.length);
        int length = (int) Math.min(FetchPlan.fetchLength(chunk.chunk()), Math.max(0, bytes.length - from));
        ChunkKey key = key(chunk);
        Optional<ChunkSink> sink = stream ? cache.sink(key, chunk.chunk().chunkSize()) : Optional.empty();
        if (sink.isPresent()) {
            try (ChunkSink into = sink.get()) {
                verifier.verifyInto(chunk.file(), chunk.chunk(), bytes, from, length, into.stream());
                into.commit();
                return STORED;
            } catch (IOException e) {
                // The cache could not take it after all (logged by the cache): verify it again in memory.
            }
        }
        byte[] content = verifier.read(chunk.file(), chunk.chunk(), bytes, from, length);
        cache.put(key, content);
        return new Verified.Held(content);
    }

    private ChunkKey key(FileChunk chunk) {
        return ChunkKey.of(options.layerDigest(), chunk.chunk());
    }
}
