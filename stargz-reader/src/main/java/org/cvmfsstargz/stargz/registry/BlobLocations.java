package org.cvmfsstargz.stargz.registry;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Where a blob's bytes were last found after the registry redirected to storage (S3, GCS, a CDN):
 * the presigned URL, so that later ranges of the blob skip the registry's redirect. Entries live
 * {@link #TTL} (presigned URLs commonly stay valid for 10 minutes or more) and at most
 * {@link #MAX_ENTRIES} are kept, least recently used first out. A caller that finds an entry
 * expired early (401/403/404/410) drops it and asks the registry again.
 *
 * <p>Thread-safe. Keeps credentials in memory only (the URL's query), never logs them.
 */
final class BlobLocations {
    static final Duration TTL = Duration.ofMinutes(5);
    static final int MAX_ENTRIES = 1024;

    private record Entry(URI location, Instant expires) {}

    private final InstantSource clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);

    BlobLocations(InstantSource clock) {
        this.clock = clock;
    }

    /** The key of {@code digest} in {@code repository}'s repository. */
    static String key(ImageReference repository, Digest digest) {
        return repository.registry() + "/" + repository.repository() + "@" + digest;
    }

    /** The storage URL last seen for {@code key}, unless it has aged out. */
    synchronized Optional<URI> get(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expires())) {
            entries.remove(key);
            return Optional.empty();
        }
        return Optional.of(entry.location());
    }

    /** Remembers that the registry sent {@code key}'s bytes to {@code location}, from now on. */
    synchronized void put(String key, URI location) {
        entries.put(key, new Entry(location, clock.instant().plus(TTL)));
        while (entries.size() > MAX_ENTRIES) {
            entries.pollFirstEntry();
        }
    }

    /** Forgets {@code location} for {@code key}, unless another caller has replaced it already. */
    synchronized void drop(String key, URI location) {
        Entry entry = entries.get(key);
        if (entry != null && entry.location().equals(location)) {
            entries.remove(key);
        }
    }

    synchronized int size() {
        return entries.size();
    }
}
