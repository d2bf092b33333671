package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cvmfsstargz.stargz.format.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the OCI distribution API for pulling: resolves an image reference to one
 * platform's manifest, and reads blobs whole, as a stream, or by byte ranges. Authentication,
 * redirects, retries and the plain-HTTP policy are the {@link RegistryTransport}'s; mirrors are
 * tried before the registry ({@link Endpoints}); ranged reads, with their multi-range and
 * storage-redirect handling, are the {@link BlobRangeReader}'s.
 *
 * <p>Verification: manifests are checked against the digest they were pulled by, or the
 * {@code Docker-Content-Digest} the registry sends; {@link #readBlob} checks whole blobs;
 * {@link #openBlob}, {@link #readRange}, {@link #readRanges} and {@link #readTail} return bytes as
 * served, for the caller to check.
 *
 * <p>Thread-safe; share one per process. The caller closes it.
 */
public final class RegistryClient implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** containerd's limit too: a manifest or index larger than this is not one. */
    private static final int MAX_MANIFEST_BYTES = 4 << 20;
    private static final int MAX_NESTING = 4;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final RegistryTransport transport;
    private final Endpoints endpoints;
    private final BlobRangeReader ranges;
    /** Registry hosts whose answer to a suffix range was unusable: their tails are read after a HEAD. */
    private final Set<String> ignoresSuffixRanges = ConcurrentHashMap.newKeySet();

    /** A client with {@code options}. */
    public RegistryClient(RegistryOptions options) {
        this(options, InstantSource.system());
    }

    /** A client whose token, storage URL and warning expiry follows {@code clock} (tests). */
    RegistryClient(RegistryOptions options, InstantSource clock) {
        this.transport = new RegistryTransport(options, clock);
        this.endpoints = new Endpoints(options, transport.policy(), clock);
        this.ranges = new BlobRangeReader(transport, endpoints, new BlobLocations(clock), options.forceSingleRange());
    }

    /** The linux/amd64 manifest of {@code reference}; see {@link #resolve(ImageReference, Platform)}. */
    public ImageManifest resolve(ImageReference reference) throws RegistryException {
        return resolve(reference, Platform.LINUX_AMD64);
    }

    /**
     * The image manifest of {@code reference} for {@code platform}: the manifest itself, or the
     * platform's entry of an index (following nested indexes), each verified against its digest.
     */
    public ImageManifest resolve(ImageReference reference, Platform platform) throws RegistryException {
        ImageReference current = reference;
        for (int depth = 0; depth <= MAX_NESTING; depth++) {
            Fetched doc = fetchManifest(current);
            ImageReference pinned = current.withDigest(doc.digest());
            if (!ManifestDocuments.isIndex(doc.mediaType())) {
                return ManifestDocuments.manifest(pinned, doc.digest(), doc.mediaType(), doc.content(), doc.json());
            }
            String what = "index " + doc.digest() + " of " + reference;
            current = pinned.withDigest(ManifestDocuments.choose(ManifestDocuments.entries(doc.json(), what), platform,
                    what).digest());
        }
        throw new RegistryException(RegistryException.Kind.UNSUPPORTED, reference
                + ": image indexes nested deeper than " + MAX_NESTING);
    }

    /**
     * The whole blob {@code digest} of {@code repository}'s repository, verified; refuses blobs over
     * {@code maxBytes} (an image config is small, a layer is not: stream those with {@link #openBlob}).
     */
    public byte[] readBlob(ImageReference repository, Digest digest, int maxBytes) throws RegistryException {
        if (maxBytes <= 0 || maxBytes > MAX_ARRAY) {
            throw new IllegalArgumentException("maxBytes must be 1.." + MAX_ARRAY + ", got " + maxBytes);
        }
        String what = blobWhat(repository, digest);
        return endpoints.first(repository, what, endpoint -> {
            HttpResponse<InputStream> response = transport.send(blobCall(endpoint, "GET", repository, digest,
                    Map.of()));
            byte[] bytes = readBounded(response, maxBytes, what);
            Digest actual = Digest.sha256(bytes);
            if (!actual.equals(digest)) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + " has digest " + actual
                        + "; " + RegistryException.redacted(response.uri()) + " served corrupt content");
            }
            return bytes;
        });
    }

    /**
     * The blob's bytes as served, for the caller to verify while reading; the caller closes the
     * stream. Failures after the headers arrive surface as {@link IOException}s from the stream,
     * a {@link StalledBodyException} where no byte came for the body idle deadline (the overall
     * body deadline does not apply: a whole blob's size and the caller's pace are the caller's).
     */
    public InputStream openBlob(ImageReference repository, Digest digest) throws RegistryException {
        return endpoints.first(repository, blobWhat(repository, digest),
                endpoint -> transport.send(blobCall(endpoint, "GET", repository, digest, Map.of()).asStream()).body());
    }

    /**
     * Bytes {@code [offset, offset + length)} of the blob, fewer only where the blob ends first
     * (none at or past its end). A registry that ignores {@code Range} and answers 200 still
     * works: the slice is taken from the whole body.
     */
    public byte[] readRange(ImageReference repository, Digest digest, long offset, int length)
            throws RegistryException {
        return ranges.read(repository, digest, List.of(new ByteRange(offset, length))).getFirst();
    }

    /**
     * The bytes of each of {@code ranges} of the blob, in the same order, each exactly its length
     * unless the blob ends first. Sent as one GET with several ranges ({@value
     * BlobRangeReader#MAX_RANGES_PER_REQUEST} at most per request, adjacent ones merged), or one
     * GET per range where the registry refuses that or {@link RegistryOptions#forceSingleRange()}
     * says so. Whatever the server's answer (parts in any order or merged, one covering range, the
     * whole blob), bytes are placed by offset, and an answer missing a requested byte fails.
     *
     * @param ranges sorted by offset, not overlapping (adjacent is fine)
     * @throws IllegalArgumentException if {@code ranges} are unsorted or overlap
     * @throws RegistryException {@code INVALID_CONTENT} if the answer lacks requested bytes
     */
    public List<byte[]> readRanges(ImageReference repository, Digest digest, List<ByteRange> ranges)
            throws RegistryException {
        return this.ranges.read(repository, digest, ranges);
    }

    /**
     * The last {@code length} bytes of the blob (all of it if it is shorter) and its size, in one
     * request where the registry answers a suffix range ({@code Range: bytes=-length}; Distribution,
     * S3, GCS do): no HEAD to size the blob first. A registry whose answer cannot be used (it
     * ignores the range and sends the whole blob, which is abandoned unread; it leaves the size
     * out; it refuses the range) is asked as before, {@link #blobSize} then a ranged GET, and its
     * host is remembered so that later tails skip the suffix attempt (Azure Blob storage, for one,
     * documents only {@code bytes=start-} and {@code bytes=start-end}).
     *
     * @throws IllegalArgumentException if {@code length} is not positive
     */
    public BlobTail readTail(ImageReference repository, Digest digest, int length) throws RegistryException {
        if (length <= 0) {
            throw new IllegalArgumentException("length must be positive, got " + length);
        }
        String host = repository.registryHost();
        boolean trySuffix = !ignoresSuffixRanges.contains(host);
        if (trySuffix) {
            Optional<BlobTail> tail = ranges.tail(repository, digest, length);
            if (tail.isPresent()) {
                return tail.get();
            }
        }
        long size = blobSize(repository, digest);
        // An empty blob answers any suffix range with 416: that says nothing about the host.
        if (trySuffix && size > 0 && ignoresSuffixRanges.add(host)) {
            LOG.info("registry does not answer suffix ranges usably, sizing blobs with HEAD from now on host={}",
                    host);
        }
        int tailLength = (int) Math.min(size, length);
        byte[] bytes = tailLength == 0 ? new byte[0] : readRange(repository, digest, size - tailLength, tailLength);
        if (bytes.length != tailLength) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, blobWhat(repository, digest)
                    + ": " + bytes.length + " bytes at the end of a blob said to have " + size);
        }
        return new BlobTail(size, bytes);
    }

    /**
     * The blob's size: {@code Content-Length} of a HEAD, or, when HEAD is refused or answers
     * without one (some storage backends presign URLs for GET only), the total of a
     * {@code Range: bytes=0-0} GET's {@code Content-Range}.
     */
    public long blobSize(ImageReference repository, Digest digest) throws RegistryException {
        String what = blobWhat(repository, digest);
        return endpoints.first(repository, what, endpoint -> blobSize(endpoint, repository, digest, what));
    }

    private long blobSize(Endpoint endpoint, ImageReference repository, Digest digest, String what)
            throws RegistryException {
        try {
            HttpResponse<InputStream> head = transport.send(blobCall(endpoint, "HEAD", repository, digest, Map.of()));
            RegistryTransport.discard(head);
            Optional<Long> length = head.headers().firstValueAsLong("Content-Length").stream().boxed()
                    .filter(n -> n >= 0).findFirst();
            if (length.isPresent()) {
                return length.get();
            }
        } catch (RegistryException e) {
            if (e.kind() != RegistryException.Kind.DENIED && e.kind() != RegistryException.Kind.CLIENT_ERROR) {
                throw e;
            }
            LOG.debug("HEAD refused, sizing the blob with a ranged GET url={} status={}", what, e.status());
        }
        HttpResponse<InputStream> get = transport.send(blobCall(endpoint, "GET", repository, digest,
                Map.of("Range", "bytes=0-0", "Accept-Encoding", "identity")));
        RegistryTransport.discard(get);
        Optional<ContentRange> range = get.headers().firstValue("Content-Range").flatMap(ContentRange::parse)
                .filter(r -> r.total().isPresent());
        if (get.statusCode() == 206 && range.isPresent()) {
            return range.get().total().getAsLong();
        }
        if (get.statusCode() == 200 && get.headers().firstValueAsLong("Content-Length").isPresent()) {
            return get.headers().firstValueAsLong("Content-Length").getAsLong();
        }
        throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": the registry gives no size"
                + " (no Content-Length on HEAD, no total in Content-Range)");
    }

    @Override
    public void close() {
        transport.close();
    }

    private record Fetched(Digest digest, String mediaType, byte[] content, JsonNode json) {}

    /** GETs a manifest or index and verifies it against the pinned or announced digest. */
    private Fetched fetchManifest(ImageReference reference) throws RegistryException {
        String what = "manifest of " + reference;
        return endpoints.first(reference, what, endpoint -> fetchManifest(endpoint, reference, what));
    }

    private Fetched fetchManifest(Endpoint endpoint, ImageReference reference, String what) throws RegistryException {
        HttpResponse<InputStream> response = transport.send(endpoint.call("GET", reference,
                "/manifests/" + reference.manifestReference(), Map.of("Accept", ManifestDocuments.ACCEPT), what));
        byte[] content = readBounded(response, MAX_MANIFEST_BYTES, what);
        Digest actual = Digest.sha256(content);
        Optional<String> announced = response.headers().firstValue("Docker-Content-Digest")
                .filter(d -> d.startsWith("sha256:"));
        Optional<Digest> expected = reference.digest().isPresent() ? reference.digest()
                : announced.flatMap(RegistryClient::parseAnnounced);
        if (expected.isPresent() && !expected.get().equals(actual)) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": body has digest " + actual
                    + " but " + (reference.digest().isPresent() ? "was pulled by " : "the registry announced ")
                    + expected.get() + "; refusing a corrupt or substituted manifest");
        }
        JsonNode json;
        try {
            json = JSON.readTree(content);
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + " is not valid JSON");
        }
        if (json == null || !json.isObject()) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + " is not a JSON object");
        }
        String mediaType = ManifestDocuments.mediaType(response.headers().firstValue("Content-Type"), json, what);
        return new Fetched(actual, mediaType, content, json);
    }

    private static Optional<Digest> parseAnnounced(String value) {
        try {
            return Optional.of(Digest.parse(value.trim()));
        } catch (IllegalArgumentException e) {
            // A malformed header cannot vouch for anything, nor condemn the body.
            return Optional.empty();
        }
    }

    private static RegistryTransport.Call blobCall(Endpoint endpoint, String method, ImageReference repository,
            Digest digest, Map<String, String> headers) {
        return endpoint.call(method, repository, "/blobs/" + digest, headers, blobWhat(repository, digest));
    }

    private static String blobWhat(ImageReference repository, Digest digest) {
        return "blob " + digest + " of " + repository.registry() + "/" + repository.repository();
    }

    private static byte[] readBounded(HttpResponse<InputStream> response, int max, String what)
            throws RegistryException {
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + " is larger than " + max
                        + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, what + ": reading "
                    + RegistryException.redacted(response.uri()) + " failed: " + e, e);
        }
    }
}
