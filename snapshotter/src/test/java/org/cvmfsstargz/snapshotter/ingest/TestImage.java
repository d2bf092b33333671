package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.cvmfsstargz.stargz.format.Digest;

/** Writes a small OCI image layout (or archive) for tests: layer tars in, digests out. */
final class TestImage {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<byte[]> tars = new ArrayList<>();
    private boolean gzip = true;
    private boolean nestedIndex;
    private boolean wrongDiffIds;
    private String layerMediaType;
    private String created = "2024-05-06T07:08:09Z";

    /** What was written: the digests the test expects to see in the output. */
    record Written(Path path, Digest configDigest, List<Digest> layerDigests, List<Digest> diffIds,
            List<Long> diffSizes) {}

    TestImage layer(byte[] tar) {
        tars.add(tar);
        return this;
    }

    TestImage uncompressed() {
        gzip = false;
        return this;
    }

    TestImage nestedIndex() {
        nestedIndex = true;
        return this;
    }

    TestImage wrongDiffIds() {
        wrongDiffIds = true;
        return this;
    }

    TestImage layerMediaType(String mediaType) {
        layerMediaType = mediaType;
        return this;
    }

    TestImage created(String time) {
        created = time;
        return this;
    }

    Written writeLayout(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("blobs/sha256"));
        List<Digest> layerDigests = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        ArrayNode layerDescriptors = JSON.createArrayNode();
        String mediaType = layerMediaType != null ? layerMediaType
                : gzip ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar";
        for (byte[] tar : tars) {
            byte[] blob = gzip ? gzip(tar) : tar;
            Digest digest = blob(dir, blob);
            layerDigests.add(digest);
            diffIds.add(wrongDiffIds ? digestOf(new byte[] {1}) : digestOf(tar));
            sizes.add((long) tar.length);
            layerDescriptors.add(descriptor(mediaType, digest, blob.length));
        }
        ObjectNode config = JSON.createObjectNode();
        config.put("created", created).put("architecture", "amd64").put("os", "linux");
        ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        diffIds.forEach(d -> ids.add(d.value()));
        byte[] configBytes = JSON.writeValueAsBytes(config);
        Digest configDigest = blob(dir, configBytes);

        ObjectNode manifest = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        manifest.set("config",
                descriptor("application/vnd.oci.image.config.v1+json", configDigest, configBytes.length));
        manifest.set("layers", layerDescriptors);
        byte[] manifestBytes = JSON.writeValueAsBytes(manifest);
        ObjectNode manifestDescriptor = descriptor("application/vnd.oci.image.manifest.v1+json",
                blob(dir, manifestBytes), manifestBytes.length);
        manifestDescriptor.putObject("platform").put("architecture", "amd64").put("os", "linux");

        ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2)
                .put("mediaType", "application/vnd.oci.image.index.v1+json");
        if (nestedIndex) {
            ObjectNode inner = index.deepCopy();
            ObjectNode arm = descriptor("application/vnd.oci.image.manifest.v1+json", digestOf(new byte[] {2}), 2);
            arm.putObject("platform").put("architecture", "arm64").put("os", "linux");
            inner.putArray("manifests").add(arm).add(manifestDescriptor);
            byte[] innerBytes = JSON.writeValueAsBytes(inner);
            index.putArray("manifests").add(descriptor("application/vnd.oci.image.index.v1+json",
                    blob(dir, innerBytes), innerBytes.length));
        } else {
            index.putArray("manifests").add(manifestDescriptor);
        }
        Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        return new Written(dir, configDigest, layerDigests, diffIds, sizes);
    }

    /** Writes the layout into {@code work}, then tars it into {@code archive} with ./-prefixed names. */
    Written writeArchive(Path work, Path archive) throws IOException {
        Written layout = writeLayout(work);
        try (OutputStream file = Files.newOutputStream(archive);
                TarArchiveOutputStream out = new TarArchiveOutputStream(file);
                Stream<Path> files = Files.walk(work)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Path p : files.filter(Files::isRegularFile).sorted().toList()) {
                TarArchiveEntry entry = new TarArchiveEntry(p.toFile(), "./" + work.relativize(p));
                out.putArchiveEntry(entry);
                Files.copy(p, out);
                out.closeArchiveEntry();
            }
        }
        return new Written(archive, layout.configDigest(), layout.layerDigests(), layout.diffIds(),
                layout.diffSizes());
    }

    static Digest digestOf(byte[] bytes) {
        return Digest.of(OciLayout.sha256().digest(bytes));
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static Digest blob(Path dir, byte[] bytes) throws IOException {
        Digest digest = digestOf(bytes);
        Files.write(dir.resolve("blobs/sha256").resolve(digest.hex()), bytes);
        return digest;
    }

    private static ObjectNode descriptor(String mediaType, Digest digest, long size) {
        ObjectNode d = JSON.createObjectNode();
        d.put("mediaType", mediaType).put("digest", digest.value()).put("size", size);
        return d;
    }
}
