package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.ImageManifest;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;

/**
 * An image pulled from a registry: the linux/amd64 manifest of a reference (through an index if
 * the reference names one) and its config, both verified by the {@link RegistryClient} against
 * their digests; layer blobs streamed as served, for {@link DuccLayoutWriter} to verify.
 *
 * <p>Not thread-safe. Owns its client: {@link #close()} closes it. The caller closes the source.
 */
public final class RegistryImageSource implements ImageSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Image configs are a few KiB; a larger answer is not one. */
    private static final int MAX_CONFIG_BYTES = 8 << 20;

    private final ImageReference reference;
    private final RegistryClient client;

    /** A source reading {@code reference} through {@code client}, which it then owns. */
    public RegistryImageSource(ImageReference reference, RegistryClient client) {
        this.reference = Objects.requireNonNull(reference, "reference");
        this.client = Objects.requireNonNull(client, "client");
    }

    @Override
    public OciImage image() throws IngestException {
        try {
            ImageManifest manifest = client.resolve(reference);
            String manifestName = "manifest " + manifest.digest() + " of " + reference;
            JsonNode manifestJson = JSON.readTree(manifest.content());
            Digest configDigest = ImageDocuments.configDigest(manifestJson, manifestName);
            byte[] config = client.readBlob(reference, configDigest, MAX_CONFIG_BYTES);
            return ImageDocuments.image(manifestJson, manifestName, configDigest, JSON.readTree(config));
        } catch (RegistryException e) {
            throw new IngestException(e.getMessage(), e);
        } catch (IOException e) {
            throw new IngestException(reference + ": manifest or config is not valid JSON: " + e.getMessage(), e);
        }
    }

    @Override
    public InputStream openBlob(Digest digest) throws IOException {
        try {
            return client.openBlob(reference, digest);
        } catch (RegistryException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return reference.toString();
    }
}
