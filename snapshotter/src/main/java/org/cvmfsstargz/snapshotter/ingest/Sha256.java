package org.cvmfsstargz.snapshotter.ingest;

import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code sha256:<64 lowercase hex>} content digest, as OCI descriptors and {@code diff_ids}
 * write it. Validated strictly because the hex part becomes path segments under {@code .layers}.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the full digest, for example {@code sha256:e9aef931...}
 */
public record Sha256(String value) {
    private static final String PREFIX = "sha256:";
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    public Sha256 {
        Objects.requireNonNull(value, "digest");
        if (!SHA256.matcher(value).matches()) {
            String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
            throw new IllegalArgumentException("invalid digest '" + shown.replaceAll("\\p{Cntrl}", "?")
                    + "': expected sha256: followed by 64 lowercase hex characters");
        }
    }

    /** Parses {@code value}; same as the constructor. */
    public static Sha256 parse(String value) {
        return new Sha256(value);
    }

    /** The digest of raw hash bytes from {@code MessageDigest.getInstance("SHA-256")}. */
    public static Sha256 of(byte[] hash) {
        return new Sha256(PREFIX + HexFormat.of().formatHex(hash));
    }

    /** The 64 hex characters without the algorithm prefix. */
    public String hex() {
        return value.substring(PREFIX.length());
    }

    @Override
    public String toString() {
        return value;
    }
}
