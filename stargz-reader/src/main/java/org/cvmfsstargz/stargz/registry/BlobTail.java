package org.cvmfsstargz.stargz.registry;

import java.util.Objects;

/**
 * The last bytes of a blob together with the blob's size, as one suffix-range GET answers them
 * ({@link RegistryClient#readTail}). Immutable once built; the array is not copied, so the
 * receiver owns it.
 *
 * @param blobSize the blob's length in bytes
 * @param bytes the blob's last {@code bytes.length} bytes: as many as asked for, or the whole blob
 *     when it is shorter
 */
public record BlobTail(long blobSize, byte[] bytes) {
    public BlobTail {
        Objects.requireNonNull(bytes, "bytes");
        if (blobSize < 0 || bytes.length > blobSize) {
            throw new IllegalArgumentException("a tail of " + bytes.length + " bytes of a blob of " + blobSize);
        }
    }
}
