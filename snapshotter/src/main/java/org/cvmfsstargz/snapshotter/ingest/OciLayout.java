package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * An OCI image layout (directory or archive): picks the linux/amd64 image manifest from
 * {@code index.json} (following nested indexes) and reads its manifest and config into an
 * {@link OciImage}; opens layer blobs. Manifest, index and config blobs are verified against
 * their digests as they are read; layer blobs are verified by their reader.
 *
 * <p>Not thread-safe. The caller closes it.
 */
public final class OciLayout implements ImageSource {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_NESTING = 8;
    private static final Set<String> INDEX_TYPES = Set.of(
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json");
    private static final Set<String> MANIFEST_TYPES = Set.of(
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.v2+json");

    private final Path source;
    private final LayoutFiles files;

    private OciLayout(Path source, LayoutFiles files) {
        this.source = source;
        this.files = files;
    }

    /** Opens an OCI layout directory or an OCI archive. */
    public static OciLayout open(Path image) throws IngestException {
        return new OciLayout(image, LayoutFiles.open(image));
    }

    /** Reads the linux/amd64 image (or the only image, when no descriptor names a platform). */
    @Override
    public OciImage image() throws IngestException {
        List<Candidate> candidates = new ArrayList<>();
        collect(readJson("index.json", null), 0, candidates);
        Candidate chosen = choose(candidates);
        JsonNode manifest = readJson(blobName(chosen.digest()), chosen.digest());
        String manifestName = "manifest " + chosen.digest();
        Digest configDigest = ImageDocuments.configDigest(manifest, manifestName);
        JsonNode config = readJson(blobName(configDigest), configDigest);
        return ImageDocuments.image(manifest, manifestName, configDigest, config);
    }

    /** Opens a blob's raw bytes; the caller verifies them and closes the stream. */
    @Override
    public InputStream openBlob(Digest digest) throws IOException {
        return files.open(blobName(digest));
    }

    @Override
    public void close() throws IOException {
        files.close();
    }

    private record Candidate(Digest digest, String os, String architecture) {}

    private void collect(JsonNode index, int depth, List<Candidate> out) throws IngestException {
        if (depth > MAX_NESTING) {
            throw new IngestException(source + ": image indexes nested deeper than " + MAX_NESTING);
        }
        for (JsonNode descriptor : index.path("manifests")) {
            String mediaType = descriptor.path("mediaType").asText("");
            Digest digest = ImageDocuments.digestOf(descriptor, source + " index entry");
            if (INDEX_TYPES.contains(mediaType)) {
                collect(readJson(blobName(digest), digest), depth + 1, out);
            } else if (MANIFEST_TYPES.contains(mediaType)) {
                JsonNode platform = descriptor.path("platform");
                out.add(new Candidate(digest, platform.path("os").asText(""),
                        platform.path("architecture").asText("")));
            }
        }
    }

    private Candidate choose(List<Candidate> candidates) throws IngestException {
        for (Candidate c : candidates) {
            if (c.os().equals("linux") && c.architecture().equals("amd64")) {
                return c;
            }
        }
        List<Candidate> unnamed = candidates.stream().filter(c -> c.os().isEmpty()).toList();
        if (unnamed.size() == 1) {
            return unnamed.getFirst();
        }
        throw new IngestException(source + ": no linux/amd64 image manifest among " + candidates.size()
                + " manifest(s) " + candidates.stream().map(c -> c.os() + "/" + c.architecture()).toList()
                + "; export the image for linux/amd64 (ctr images export --platform linux/amd64)");
    }

    private JsonNode readJson(String name, Digest expected) throws IngestException {
        byte[] bytes;
        try (InputStream in = files.open(name)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new IngestException(source + ": cannot read " + name + ": " + e, e);
        }
        if (expected != null) {
            Digest actual = Digest.of(sha256().digest(bytes));
            if (!actual.equals(expected)) {
                throw new IngestException(source + ": blob " + expected + " has digest " + actual
                        + "; the image is corrupt, export it again");
            }
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IngestException(source + ": " + name + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static String blobName(Digest digest) {
        return "blobs/sha256/" + digest.hex();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK always provides SHA-256", e);
        }
    }
}
