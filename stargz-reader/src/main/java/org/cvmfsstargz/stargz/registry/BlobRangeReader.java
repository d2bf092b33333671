package org.cvmfsstargz.stargz.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.cvmfsstargz.stargz.format.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads byte ranges of blobs the way lazy pulling needs them: several ranges in one GET
 * ({@code Range: bytes=a-b,c-d}), at most {@value #MAX_RANGES_PER_REQUEST} per request; single-range
 * GETs, {@value #MAX_IN_FLIGHT} at a time on virtual threads, for registries that refuse
 * multi-range requests (GCS answers 400; learnt per registry host on first refusal, or forced by
 * {@link RegistryOptions#forceSingleRange()}); a blob's last bytes with its size in one suffix-range
 * GET ({@code Range: bytes=-N}); and each blob's storage redirect reused from {@link BlobLocations}
 * until it expires. Answers of every shape are read by {@link RangeAnswers} and {@link SuffixAnswers}.
 *
 * <p>Thread-safe.
 */
final class BlobRangeReader {
    private static final Logger LOG = LoggerFactory.getLogger(BlobRangeReader.class);
    static final int MAX_RANGES_PER_REQUEST = 32;
    static final int MAX_IN_FLIGHT = 4;

    private final RegistryTransport transport;
    private final Endpoints endpoints;
    private final BlobLocations locations;
    private final boolean forceSingleRange;
    private final Set<String> refusesMultiRange = ConcurrentHashMap.newKeySet();

    BlobRangeReader(RegistryTransport transport, Endpoints endpoints, BlobLocations locations,
            boolean forceSingleRange) {
        this.transport = transport;
        this.endpoints = endpoints;
        this.locations = locations;
        this.forceSingleRange = forceSingleRange;
    }

    /** See {@link RegistryClient#readRanges}. */
    List<byte[]> read(ImageReference repository, Digest digest, List<ByteRange> ranges) throws RegistryException {
        List<ByteRange> wanted = List.copyOf(ranges);
        for (int i = 1; i < wanted.size(); i++) {
            if (wanted.get(i).offset() < wanted.get(i - 1).end()) {
                throw new IllegalArgumentException("ranges must be sorted and must not overlap: "
                        + wanted.get(i - 1).httpSpec() + " then " + wanted.get(i).httpSpec());
            }
        }
        List<byte[]> out = new ArrayList<>(wanted.size());
        for (int from = 0; from < wanted.size(); from += MAX_RANGES_PER_REQUEST) {
            List<ByteRange> batch = wanted.subList(from, Math.min(from + MAX_RANGES_PER_REQUEST, wanted.size()));
            out.addAll(spans(batch).size() == 1 ? fetch(repository, digest, batch) : multi(repository, digest, batch));
        }
        return out;
    }

    /** {@code batch} in one multi-range GET, or in single-range GETs where that is refused. */
    private List<byte[]> multi(ImageReference repository, Digest digest, List<ByteRange> batch)
            throws RegistryException {
        String host = repository.registryHost();
        if (forceSingleRange || refusesMultiRange.contains(host)) {
            return singles(repository, digest, batch);
        }
        try {
            return fetch(repository, digest, batch);
        } catch (RegistryException e) {
            int status = e.status().orElse(0);
            if (status != 400 && status != 416 && status != 501) {
                throw e;
            }
            List<byte[]> bytes = singles(repository, digest, batch);
            // A 416 to ranges all past the blob's end is no refusal: the single ones are empty too.
            if (bytes.stream().anyMatch(b -> b.length > 0) && refusesMultiRange.add(host)) {
                LOG.info("registry refuses multi-range requests, sending one range per request from now on"
                        + " host={} status={}", host, status);
            }
            return bytes;
        }
    }

    /** Each range of {@code batch} in its own GET, a few at a time. */
    private List<byte[]> singles(ImageReference repository, Digest digest, List<ByteRange> batch)
            throws RegistryException {
        byte[][] out = new byte[batch.size()][];
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean failed = new AtomicBoolean();
        List<Future<Void>> workers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < Math.min(MAX_IN_FLIGHT, batch.size()); w++) {
                workers.add(threads.submit(() -> {
                    try {
                        for (int i; !failed.get() && (i = next.getAndIncrement()) < batch.size(); ) {
                            out[i] = fetch(repository, digest, List.of(batch.get(i))).getFirst();
                        }
                        return null;
                    } catch (RegistryException | RuntimeException e) {
                        failed.set(true); // the other workers take no new range
                        throw e;
                    }
                }));
            }
            for (Future<Void> worker : workers) {
                worker.get();
            }
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case RegistryException r -> throw r;
                case RuntimeException r -> throw r;
                case Error r -> throw r;
                default -> throw new IllegalStateException(e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, "blob " + digest + ": interrupted", e);
        }
        return Arrays.asList(out);
    }

    /** {@code ranges} in one GET; empty arrays where the server says a single span starts past the end. */
    private List<byte[]> fetch(ImageReference repository, Digest digest, List<ByteRange> ranges)
            throws RegistryException {
        try {
            return get(repository, digest, ranges);
        } catch (RegistryException e) {
            if (e.status().orElse(0) != 416 || spans(ranges).size() != 1) {
                throw e;
            }
            // 416 to one range: it starts at or past the blob's end (RFC 9110 §15.5.17), no bytes.
            return ranges.stream().map(r -> new byte[0]).toList();
        }
    }

    /**
     * {@code ranges} in one GET: at the blob's remembered storage URL if there is one (once; an
     * expired one is dropped), else at the first endpoint that answers, remembering where it
     * redirected to.
     */
    private List<byte[]> get(ImageReference repository, Digest digest, List<ByteRange> ranges)
            throws RegistryException {
        String what = "blob " + digest + " of " + repository.registry() + "/" + repository.repository() + " bytes "
                + String.join(",", spans(ranges));
        Map<String, String> headers = Map.of("Range", "bytes=" + String.join(",", spans(ranges)),
                "Accept-Encoding", "identity");
        return located(repository, digest, headers, what, response -> read(response, ranges, what));
    }

    /**
     * The last {@code length} bytes of the blob (all of it if shorter) and its size, from one GET
     * with a suffix range ({@code Range: bytes=-length}); empty if the server's answer cannot be
     * read as that (it ignored the range and sends more, or does not say the blob's size; its
     * body is abandoned, not downloaded) or refuses it (400, 416, 501).
     */
    Optional<BlobTail> tail(ImageReference repository, Digest digest, int length) throws RegistryException {
        String what = "blob " + digest + " of " + repository.registry() + "/" + repository.repository()
                + " last " + length + " bytes";
        Map<String, String> headers = Map.of("Range", "bytes=-" + length, "Accept-Encoding", "identity");
        try {
            return located(repository, digest, headers, what, response -> {
                try (InputStream body = response.body()) { // closing it unread drops the connection
                    return SuffixAnswers.read(response.statusCode(), response.headers(), body, length);
                }
            });
        } catch (RegistryException e) {
            int status = e.status().orElse(0);
            if (status == 400 || status == 416 || status == 501) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A GET of the blob with {@code headers}, read by {@code reader}: at the blob's remembered
     * storage URL if there is one (once; an expired one is dropped), else at the first endpoint
     * that answers, remembering where it redirected to.
     */
    private <T> T located(ImageReference repository, Digest digest, Map<String, String> headers, String what,
            RegistryTransport.BodyReader<T> reader) throws RegistryException {
        String key = BlobLocations.key(repository, digest);
        Optional<URI> stored = locations.get(key);
        if (stored.isPresent()) {
            // No scope: a presigned URL is its own credential, and no Authorization may reach it.
            RegistryTransport.Call direct = new RegistryTransport.Call("GET", stored.get(), headers, Optional.empty(),
                    Optional.empty(), what);
            try {
                return transport.send(direct, reader);
            } catch (RegistryException e) {
                int status = e.status().orElse(0);
                if (status != 401 && status != 403 && status != 404 && status != 410) {
                    throw e;
                }
                locations.drop(key, stored.get());
                LOG.debug("the blob's storage URL is refused, asking the registry again what={} status={}", what,
                        status);
            }
        }
        return endpoints.first(repository, what, endpoint -> {
            RegistryTransport.Call call = endpoint.call("GET", repository, "/blobs/" + digest, headers, what);
            return transport.send(call, response -> {
                if (!RegistryTransport.sameOrigin(response.uri(), call.uri())) {
                    locations.put(key, response.uri());
                }
                return reader.read(response);
            });
        });
    }

    /** The ranges from a 2xx answer; an {@link IOException} (the body cut short) makes the transport retry. */
    private static List<byte[]> read(HttpResponse<InputStream> response, List<ByteRange> ranges, String what)
            throws IOException, RegistryException {
        try (InputStream body = response.body()) {
            return RangeAnswers.read(response.statusCode(), response.headers(), body, ranges, what);
        }
    }

    /** The {@code Range} specs for {@code ranges}, adjacent ones merged into one. */
    static List<String> spans(List<ByteRange> ranges) {
        List<String> specs = new ArrayList<>();
        long start = ranges.getFirst().offset();
        long end = ranges.getFirst().end();
        for (ByteRange r : ranges.subList(1, ranges.size())) {
            if (r.offset() != end) {
                specs.add(start + "-" + (end - 1));
                start = r.offset();
            }
            end = r.end();
        }
        specs.add(start + "-" + (end - 1));
        return specs;
    }
}
