package org.cvmfsstargz.cvmfs.resolve;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The compressed digest of a layer as the image manifest names it, the key under which DUCC
 * publishes the unpacked layer. Only {@code sha256:} followed by exactly 64 lowercase hex
 * characters is accepted: the hex part becomes path segments, so anything looser could steer a
 * lookup outside {@code .layers} (for example {@code sha256:../../etc}).
 *
 * <p>Immutable and thread-safe; holds no resources.
 *
 * @param value the full digest, for example {@code sha256:e9aef931...}
 */
public record LayerDigest(String value) {
    private static final String PREFIX = "sha256:";
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    public LayerDigest {
        Objects.requireNonNull(value, "layer digest");
        if (!SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid layer digest '" + printable(value)
                    + "': expected sha256: followed by 64 lowercase hex characters");
        }
    }

    /** Parses {@code value}; same as the constructor, reads better at call sites. */
    public static LayerDigest parse(String value) {
        return new LayerDigest(value);
    }

    /** The 64 hex characters without the algorithm prefix. */
    public String hex() {
        return value.substring(PREFIX.length());
    }

    @Override
    public String toString() {
        return value;
    }

    /** Keeps error messages on one line and bounded whatever the caller passed in. */
    private static String printable(String raw) {
        String shortened = raw.length() > 100 ? raw.substring(0, 100) + "..." : raw;
        StringBuilder out = new StringBuilder(shortened.length());
        shortened.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }
}
