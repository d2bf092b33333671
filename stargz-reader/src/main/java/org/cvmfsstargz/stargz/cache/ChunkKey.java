package org.cvmfsstargz.stargz.cache;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * The name of one cache entry, also its file name on disk: 2 to 200 characters of
 * {@code [a-z0-9._-]}, starting with a letter or digit (so never {@code .}, {@code ..}, a path or
 * a temporary file's name). {@link #of} gives the two forms a chunk is cached under:
 * <ul>
 *   <li>{@code sha256-<64 hex>} when the chunk has a {@code chunkDigest}: content-addressed, so
 *       identical chunks of different layers share one entry, and a disk entry can be re-verified
 *       ({@link #contentDigest()}). An id starting with {@code sha256-} must have this form.
 *   <li>{@code <layer hex>-<offset>-<innerOffset>-<chunkSize>} for legacy stargz chunks, which
 *       have no digest: the gzip member, the bytes skipped inside it and the length fix the bytes
 *       within one layer, whichever file (or hard link) they belong to.
 * </ul>
 * Other ids matching the syntax are accepted as opaque names.
 *
 * <p>Immutable and thread-safe.
 *
 * @param id the entry's name
 */
public record ChunkKey(String id) {
    /** The longest id: well under every Linux file system's 255-byte name limit. */
    public static final int MAX_LENGTH = 200;

    private static final Pattern ID = Pattern.compile("[a-z0-9][a-z0-9._-]{1," + (MAX_LENGTH - 1) + "}");
    private static final String CONTENT_PREFIX = "sha256-";
    private static final Pattern CONTENT = Pattern.compile("sha256-[0-9a-f]{64}");
    private static final Pattern LEGACY = Pattern.compile("[0-9a-f]{64}-[0-9]{1,18}-[0-9]{1,18}-([0-9]{1,18})");

    public ChunkKey {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid chunk cache key '" + printable(id) + "': expected 2 to "
                    + MAX_LENGTH + " characters of [a-z0-9._-] starting with a letter or digit");
        }
        if (id.startsWith(CONTENT_PREFIX) && !CONTENT.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid chunk cache key '" + printable(id)
                    + "': a key starting with sha256- is sha256- followed by 64 lowercase hex characters");
        }
    }

    /**
     * The key {@code chunk} of the layer whose blob digest is {@code layerDigest} is cached under:
     * content-addressed when the chunk has a {@code chunkDigest}, else named by layer and position.
     */
    public static ChunkKey of(Digest layerDigest, Chunk chunk) {
        Objects.requireNonNull(layerDigest, "layerDigest");
        Objects.requireNonNull(chunk, "chunk");
        return chunk.chunkDigest()
                .map(content -> new ChunkKey(CONTENT_PREFIX + content.hex()))
                .orElseGet(() -> new ChunkKey(layerDigest.hex() + "-" + chunk.offset() + "-"
                        + chunk.innerOffset() + "-" + chunk.chunkSize()));
    }

    /** The digest the entry's bytes must hash to, when the key is content-addressed. */
    public Optional<Digest> contentDigest() {
        return id.startsWith(CONTENT_PREFIX)
                ? Optional.of(Digest.parse("sha256:" + id.substring(CONTENT_PREFIX.length())))
                : Optional.empty();
    }

    /** The entry's length as a legacy key states it ({@code chunkSize}); empty for other forms. */
    OptionalLong declaredSize() {
        Matcher legacy = LEGACY.matcher(id);
        return legacy.matches() ? OptionalLong.of(Long.parseLong(legacy.group(1))) : OptionalLong.empty();
    }

    /**
     * The subdirectory the entry lives in on disk: the first two characters of the hash part (the
     * chunk digest, or the layer digest of a legacy key), so that content-addressed entries spread
     * evenly over 256 directories.
     */
    String shard() {
        int start = id.startsWith(CONTENT_PREFIX) ? CONTENT_PREFIX.length() : 0;
        return id.substring(start, start + 2);
    }

    /** Whether {@code name} is a syntactically valid shard directory name. */
    static boolean isShardName(String name) {
        return name.length() == 2 && ID.matcher(name).matches();
    }

    /** The key named {@code id}, if {@code id} is a valid key (a file name found on disk). */
    static Optional<ChunkKey> parse(String id) {
        try {
            return Optional.of(new ChunkKey(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return id;
    }

    /** Keeps error messages on one line and bounded whatever the caller passed in. */
    private static String printable(String raw) {
        String shortened = raw.length() > MAX_LENGTH + 10 ? raw.substring(0, MAX_LENGTH + 10) + "..." : raw;
        return shortened.replaceAll("\\p{Cntrl}", "?");
    }
}
