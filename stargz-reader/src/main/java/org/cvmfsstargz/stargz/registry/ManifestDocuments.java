package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Reads OCI and Docker v2 manifest documents: tells an index from an image manifest, lists an
 * index's entries, picks a platform's entry, lifts an image manifest's descriptors. Pure: parsed
 * JSON in, records out.
 */
final class ManifestDocuments {
    static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    /** The {@code Accept} header of manifest requests: every type this client reads, indexes first. */
    static final String ACCEPT = String.join(", ", OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST);

    private static final Set<String> INDEX_TYPES = Set.of(OCI_INDEX, DOCKER_LIST);
    private static final Set<String> MANIFEST_TYPES = Set.of(OCI_MANIFEST, DOCKER_MANIFEST);

    private ManifestDocuments() {
    }

    static boolean isIndex(String mediaType) {
        return INDEX_TYPES.contains(mediaType);
    }

    /**
     * The document's media type: the {@code Content-Type} when it names a type read here, else
     * the document's own {@code mediaType}, else guessed from its fields (old OCI documents may
     * omit it).
     */
    static String mediaType(Optional<String> contentType, JsonNode doc, String what) throws RegistryException {
        String header = contentType.map(t -> t.split(";", 2)[0].trim()).orElse("");
        if (INDEX_TYPES.contains(header) || MANIFEST_TYPES.contains(header)) {
            return header;
        }
        String own = doc.path("mediaType").asText("");
        if (INDEX_TYPES.contains(own) || MANIFEST_TYPES.contains(own)) {
            return own;
        }
        if (own.isEmpty() && doc.path("schemaVersion").asInt(0) == 2) {
            if (doc.path("manifests").isArray()) {
                return OCI_INDEX;
            }
            if (doc.path("config").isObject() && doc.path("layers").isArray()) {
                return OCI_MANIFEST;
            }
        }
        String named = !own.isEmpty() ? own : !header.isEmpty() ? header : "none";
        throw new RegistryException(RegistryException.Kind.UNSUPPORTED, what + " has media type " + named
                + "; only OCI and Docker v2 image manifests and indexes are read (schema 1 is obsolete)");
    }

    /** The manifests an index lists. */
    static List<Descriptor> entries(JsonNode index, String what) throws RegistryException {
        List<Descriptor> out = new ArrayList<>();
        for (JsonNode entry : index.path("manifests")) {
            out.add(descriptor(entry, what + " entry"));
        }
        return out;
    }

    /**
     * The entry for {@code platform}: an image manifest (or a nested index) whose platform matches,
     * or the only entry without a platform.
     */
    static Descriptor choose(List<Descriptor> entries, Platform platform, String what) throws RegistryException {
        List<Descriptor> usable = entries.stream()
                .filter(d -> MANIFEST_TYPES.contains(d.mediaType()) || INDEX_TYPES.contains(d.mediaType()))
                .toList();
        for (Descriptor d : usable) {
            if (d.platform().filter(platform::equals).isPresent()) {
                return d;
            }
        }
        List<Descriptor> unnamed = usable.stream().filter(d -> d.platform().isEmpty()).toList();
        if (unnamed.size() == 1) {
            return unnamed.getFirst();
        }
        throw new RegistryException(RegistryException.Kind.UNSUPPORTED, what + " has no " + platform
                + " image among " + usable.size() + " entries " + usable.stream()
                        .map(d -> d.platform().map(Platform::toString).orElse("(no platform)")).toList());
    }

    /** An image manifest's descriptors. */
    static ImageManifest manifest(ImageReference pinned, Digest digest, String mediaType, byte[] content,
            JsonNode doc) throws RegistryException {
        String what = "manifest " + digest + " of " + pinned;
        if (!doc.path("config").isObject() || !doc.path("layers").isArray()) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + " lacks config or layers");
        }
        Descriptor config = descriptor(doc.path("config"), what + " config");
        List<Descriptor> layers = new ArrayList<>();
        for (JsonNode layer : doc.path("layers")) {
            layers.add(descriptor(layer, what + " layer " + layers.size()));
        }
        return new ImageManifest(pinned, digest, mediaType, content, config, layers);
    }

    static Descriptor descriptor(JsonNode node, String what) throws RegistryException {
        try {
            Optional<Platform> platform = Optional.empty();
            JsonNode p = node.path("platform");
            if (p.isObject()) {
                platform = Optional.of(new Platform(p.path("os").asText(""), p.path("architecture").asText("")));
            }
            Map<String, String> annotations = new LinkedHashMap<>();
            node.path("annotations").properties().forEach(e -> annotations.put(e.getKey(), e.getValue().asText()));
            if (!node.path("size").isIntegralNumber()) {
                throw new IllegalArgumentException("descriptor has no integer size");
            }
            long size = node.path("size").asLong();
            return new Descriptor(node.path("mediaType").asText(""), Digest.parse(node.path("digest").asText("")),
                    size, platform, annotations);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": " + e.getMessage());
        }
    }
}
