package org.cvmfsstargz.snapshotter.ingest;

import java.io.IOException;
import java.io.InputStream;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Where {@code ingest} reads an image from: an OCI layout ({@link OciLayout}) or a registry
 * ({@link RegistryImageSource}). Manifests, indexes and the config are verified against their
 * digests by the source; layer blobs come raw, and {@link DuccLayoutWriter} verifies them (digest,
 * size, diffID) while unpacking, whatever the source.
 *
 * <p>Implementations need not be thread-safe. The caller closes the source.
 */
public interface ImageSource extends AutoCloseable {
    /** The linux/amd64 image: its config digest, creation time and layers. */
    OciImage image() throws IngestException;

    /** Opens a blob's raw bytes; the caller verifies them and closes the stream. */
    InputStream openBlob(Digest digest) throws IOException;

    @Override
    void close() throws IOException;
}
