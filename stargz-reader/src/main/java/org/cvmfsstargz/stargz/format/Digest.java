package org.cvmfsstargz.stargz.format;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A {@code sha256:<64 lowercase hex>} content digest, as OCI descriptors, registry URLs and
 * eStargz chunk digests write it. Only SHA-256 is accepted: it is what every registry and image
 * builder in use produces, and the strict form lets the hex part appear in URLs and paths safely.
 *
 * <p>Immutable and thread-safe.
 *
 * @param value the full digest, for example {@code sha256:e9aef931...}
 */
public record Digest(String value) {
    private static final String PREFIX = "sha256:";
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");

    public Digest {
        Objects.requireNonNull(value, "digest");
        if (!SHA256.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid digest '" + printable(value)
                    + "': expected sha256: followed by 64 lowercase hex characters");
        }
    }

    /** Parses {@code value}; same as the constructor. */
    public static Digest parse(String value) {
        return new Digest(value);
    }

    /** The digest of raw hash bytes from {@link #newHasher()}. */
    public static Digest of(byte[] hash) {
        if (hash.length != 32) {
            throw new IllegalArgumentException("a SHA-256 hash has 32 bytes, got " + hash.length);
        }
        return new Digest(PREFIX + HexFormat.of().formatHex(hash));
    }

    /** The digest of {@code bytes}. */
    public static Digest sha256(byte[] bytes) {
        return sha256(bytes, 0, bytes.length);
    }

    /** The digest of {@code bytes[offset, offset + length)}. */
    public static Digest sha256(byte[] bytes, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (NativeSha256.available()) {
            return of(NativeSha256.hash(bytes, offset, length));
        }
        MessageDigest hasher = newHasher();
        hasher.update(bytes, offset, length);
        return of(hasher.digest());
    }

    /**
     * A fresh SHA-256 {@link MessageDigest}, libcrypto's where it can be loaded ({@link NativeSha256}
     * says why), else the JDK's; not thread-safe, one per stream.
     */
    public static MessageDigest newHasher() {
        if (NativeSha256.available()) {
            return NativeSha256.newInstance();
        }
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }

    /** Whether SHA-256 is computed by libcrypto (true) or by the JDK, for the daemon's start-up log line. */
    public static boolean hashedNatively() {
        return NativeSha256.available();
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
        return shortened.replaceAll("\\p{Cntrl}", "?");
    }
}
