package org.cvmfsstargz.stargz.layer;

import java.io.IOException;
import java.util.List;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.BlobTail;
import org.cvmfsstargz.stargz.registry.ByteRange;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;

/**
 * A layer blob in a registry, read by HTTP range requests through a {@link RegistryClient}
 * (which retries, follows redirects and falls back from multi-range to single ranges).
 * Thread-safe; the client belongs to the caller.
 */
public final class RegistryBlobSource implements BlobSource {
    private final RegistryClient client;
    private final ImageReference repository;
    private final Digest digest;
    private final long size;

    private RegistryBlobSource(RegistryClient client, ImageReference repository, Digest digest, long size) {
        this.client = client;
        this.repository = repository;
        this.digest = digest;
        this.size = size;
    }

    /**
     * The blob {@code digest} of {@code repository}, sized now (HEAD, or a ranged GET).
     *
     * @throws RegistryException if the registry does not answer or does not have the blob
     */
    public static RegistryBlobSource open(RegistryClient client, ImageReference repository, Digest digest)
            throws RegistryException {
        Objects.requireNonNull(client, "client");
        return new RegistryBlobSource(client, repository, digest, client.blobSize(repository, digest));
    }

    /**
     * The blob {@code digest} of {@code repository}, whose size is already known (kept with its
     * TOC, {@link StoredTocs}): made without a request, so that a layer is mounted again while its
     * registry is unreachable; its reads fail until the registry answers.
     */
    public static RegistryBlobSource ofKnownSize(RegistryClient client, ImageReference repository, Digest digest,
            long size) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("negative blob size " + size);
        }
        return new RegistryBlobSource(client, repository, digest, size);
    }

    /**
     * The blob {@code digest} of {@code repository}, opened by reading its last {@code tailLength}
     * bytes, which also tell its size: one suffix-range GET where the registry answers those,
     * else a HEAD and a ranged GET ({@link RegistryClient#readTail}). The read is told to
     * {@code listener} as {@link FetchPurpose#TOC}.
     *
     * @throws IOException if the registry does not answer or does not have the blob; its cause is
     *     the {@link RegistryException}
     */
    public static OpenedBlob openAtTail(RegistryClient client, ImageReference repository, Digest digest,
            int tailLength, FetchListener listener) throws IOException {
        Objects.requireNonNull(client, "client");
        long started = System.nanoTime();
        BlobTail tail;
        try {
            tail = client.readTail(repository, digest, tailLength);
        } catch (RegistryException e) {
            listener.fetchFailed(FetchPurpose.TOC);
            throw new IOException(e.getMessage(), e);
        }
        listener.fetched(FetchPurpose.TOC, 1, tail.bytes().length, System.nanoTime() - started);
        return new OpenedBlob(new RegistryBlobSource(client, repository, digest, tail.blobSize()), tail.bytes());
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public List<byte[]> read(List<ByteRange> ranges) throws IOException {
        try {
            return ranges.size() == 1
                    ? List.of(client.readRange(repository, digest, ranges.getFirst().offset(), ranges.getFirst().length()))
                    : client.readRanges(repository, digest, ranges);
        } catch (RegistryException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public String describe() {
        return repository.registry() + "/" + repository.repository() + "@" + digest;
    }
}
