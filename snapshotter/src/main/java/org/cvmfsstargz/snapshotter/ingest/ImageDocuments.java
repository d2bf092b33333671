package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Joins an image manifest and its config into an {@link OciImage}, the same way for every
 * {@link ImageSource}: layer descriptors paired with the config's {@code rootfs.diff_ids} by
 * index, compression from the media type. Pure: parsed JSON in, records out.
 */
final class ImageDocuments {
    private static final Set<String> GZIP_LAYER_TYPES = Set.of(
            "application/vnd.oci.image.layer.v1.tar+gzip",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
            "application/vnd.docker.image.rootfs.diff.tar.gzip",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip");
    private static final Set<String> TAR_LAYER_TYPES = Set.of(
            "application/vnd.oci.image.layer.v1.tar",
            "application/vnd.oci.image.layer.nondistributable.v1.tar");

    private ImageDocuments() {
    }

    /** The config digest a manifest names; {@code manifestName} is for messages. */
    static Digest configDigest(JsonNode manifest, String manifestName) throws IngestException {
        return digestOf(manifest.path("config"), manifestName + " config");
    }

    /** The image a manifest and its config describe. */
    static OciImage image(JsonNode manifest, String manifestName, Digest configDigest, JsonNode config)
            throws IngestException {
        JsonNode diffIds = config.path("rootfs").path("diff_ids");
        JsonNode descriptors = manifest.path("layers");
        if (!descriptors.isArray() || descriptors.size() != diffIds.size()) {
            throw new IngestException(manifestName + " lists " + descriptors.size()
                    + " layers but config " + configDigest + " lists " + diffIds.size() + " diff_ids");
        }
        List<OciLayer> layers = new ArrayList<>();
        for (int i = 0; i < descriptors.size(); i++) {
            layers.add(layer(descriptors.get(i), diffIds.get(i).asText()));
        }
        return new OciImage(configDigest, created(config.path("created").asText("")), layers);
    }

    static Digest digestOf(JsonNode descriptor, String what) throws IngestException {
        try {
            return Digest.parse(descriptor.path("digest").asText(""));
        } catch (IllegalArgumentException e) {
            throw new IngestException(what + ": " + e.getMessage(), e);
        }
    }

    private static OciLayer layer(JsonNode descriptor, String diffId) throws IngestException {
        Digest digest = digestOf(descriptor, "manifest layer");
        String mediaType = descriptor.path("mediaType").asText("");
        OciLayer.Compression compression;
        if (GZIP_LAYER_TYPES.contains(mediaType)) {
            compression = OciLayer.Compression.GZIP;
        } else if (TAR_LAYER_TYPES.contains(mediaType)) {
            compression = OciLayer.Compression.NONE;
        } else {
            throw new IngestException("layer " + digest + " has media type '" + mediaType
                    + "'; ingest reads only tar and tar+gzip layers (convert zstd layers to gzip first)");
        }
        try {
            return new OciLayer(digest, descriptor.path("size").asLong(0), compression, Digest.parse(diffId));
        } catch (IllegalArgumentException e) {
            throw new IngestException("layer " + digest + ": " + e.getMessage(), e);
        }
    }

    private static Instant created(String text) {
        try {
            return text.isEmpty() ? Instant.EPOCH : OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            return Instant.EPOCH;
        }
    }
}
