package org.cvmfsstargz.snapshotter.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutIndex;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutPlan;
import org.cvmfsstargz.cvmfs.whiteout.WhiteoutScan;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * Writes an image's layers into the layout DUCC keeps on a CVMFS repository, under an output
 * directory: {@code .layers/.cvmfscatalog}, {@code .layers/<xx>/.cvmfscatalog}, and per layer
 * {@code .layers/<xx>/<hex>/layerfs/} (the verbatim tar, plus an empty {@code .cvmfscatalog}) and
 * {@code .layers/<xx>/<hex>/.metadata/{layers.json,origin.json}}; {@code <hex>} is the compressed
 * digest (reference {@code cvmfs.md} §2.3-2.4). Beside DUCC's files, {@code .metadata/whiteouts}
 * holds the layer's whiteout index ({@link WhiteoutIndex}: its {@code .wh.*} and
 * {@code .cvmfscatalog} markers, found by walking the freshly unpacked local tree), so that the
 * daemon need not walk the published tree on CVMFS.
 *
 * <p>Each layer is unpacked into a temporary directory beside its final place, verified (blob
 * digest and size, then diffID), and renamed into place; metadata is written before
 * {@code layerfs} appears, so a present {@code layerfs} means a complete layer. A present layer is
 * not rewritten; only the image is added to its {@code origin.json}, and its whiteout index if it
 * has none (a layer ingested before indexes existed).
 *
 * <p>Not safe for concurrent ingests into the same output: two processes adding origins to one
 * shared layer at once may lose one backlink. Holds no resources.
 */
public final class DuccLayoutWriter {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CATALOG = ".cvmfscatalog";
    private static final String CORRUPT = "; the image (or this copy of it) is corrupt: export or push it again";

    private final Path output;
    private final LayerUnpacker unpacker;

    /** A writer into {@code output} (created if missing). */
    public DuccLayoutWriter(Path output, LayerUnpacker unpacker) {
        this.output = Objects.requireNonNull(output, "output");
        this.unpacker = Objects.requireNonNull(unpacker, "unpacker");
    }

    /** Ingests the source's linux/amd64 image, telling {@code listener} about each layer. */
    public IngestReport write(ImageSource source, IngestListener listener) throws IngestException {
        long start = System.nanoTime();
        OciImage image = source.image();
        int written = 0;
        int skipped = 0;
        long bytes = 0;
        Set<Digest> seen = new HashSet<>();
        try {
            Path layers = Files.createDirectories(output.resolve(".layers"));
            ensureCatalog(layers);
            for (OciLayer layer : image.layers()) {
                if (!seen.add(layer.digest())) {
                    continue;
                }
                long layerStart = System.nanoTime();
                Path shard = Files.createDirectories(layers.resolve(layer.digest().hex().substring(0, 2)));
                ensureCatalog(shard);
                boolean fresh = writeLayer(source, image, layer, shard.resolve(layer.digest().hex()));
                if (fresh) {
                    written++;
                    bytes += layer.size();
                } else {
                    skipped++;
                }
                listener.layerDone(layer, fresh, Duration.ofNanos(System.nanoTime() - layerStart));
            }
        } catch (IOException e) {
            throw new IngestException("cannot write under " + output + ": " + e, e);
        }
        return new IngestReport(image, written, skipped, bytes, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Places one layer; false if it was already present (its origin is merged all the same). */
    private boolean writeLayer(ImageSource source, OciImage image, OciLayer layer, Path layerDir)
            throws IngestException, IOException {
        if (Files.isDirectory(layerDir.resolve("layerfs"), LinkOption.NOFOLLOW_LINKS)) {
            addOrigin(layerDir.resolve(".metadata"), image.configDigest());
            if (!Files.exists(layerDir.resolve(".metadata").resolve(WhiteoutIndex.FILE_NAME), LinkOption.NOFOLLOW_LINKS)) {
                writeWhiteoutIndex(layer, layerDir.resolve("layerfs"), layerDir.resolve(".metadata"));
            }
            return false;
        }
        Path temp = layerDir.resolveSibling("." + layer.digest().hex() + ".ingest-" + ProcessHandle.current().pid()
                + "-" + System.nanoTime());
        try {
            Path layerfs = Files.createDirectories(temp.resolve("layerfs"));
            long diffSize = unpackVerified(source, layer, layerfs);
            addCatalogKeepingMtime(layerfs);
            Path metadata = Files.exists(layerDir) ? layerDir.resolve(".metadata") : temp.resolve(".metadata");
            writeLayersJson(metadata, image, layer, diffSize);
            addOrigin(metadata, image.configDigest());
            writeWhiteoutIndex(layer, layerfs, metadata);
            if (Files.exists(layerDir)) {
                Files.move(layerfs, layerDir.resolve("layerfs"), StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(temp, layerDir, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (FileSystemException e) {
            if (!Files.isDirectory(layerDir.resolve("layerfs"), LinkOption.NOFOLLOW_LINKS)) {
                throw e;
            }
            // Another ingest placed the same layer meanwhile: keep its copy.
            addOrigin(layerDir.resolve(".metadata"), image.configDigest());
            return false;
        } finally {
            LocalTree.delete(temp);
        }
        return true;
    }

    /** Unpacks the blob into {@code layerfs} while hashing both streams; returns the tar's size. */
    private long unpackVerified(ImageSource source, OciLayer layer, Path layerfs) throws IngestException, IOException {
        MessageDigest blobHash = OciLayout.sha256();
        MessageDigest diffHash = OciLayout.sha256();
        CountingDigestStream blob;
        CountingDigestStream tar;
        try (InputStream raw = source.openBlob(layer.digest())) {
            blob = new CountingDigestStream(new BufferedInputStream(raw, 1 << 16), blobHash);
            InputStream plain = switch (layer.compression()) {
                case GZIP -> new GzipCompressorInputStream(blob, true);
                case NONE -> blob;
            };
            tar = new CountingDigestStream(plain, diffHash);
            unpacker.unpack(tar, layerfs);
            tar.transferTo(OutputStream.nullOutputStream());
            blob.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new IngestException("cannot unpack layer " + layer.digest() + ": " + e, e);
        }
        Digest blobDigest = Digest.of(blobHash.digest());
        if (!blobDigest.equals(layer.digest()) || blob.count() != layer.size()) {
            throw new IngestException("layer blob " + layer.digest() + " has digest " + blobDigest + " and size "
                    + blob.count() + " (manifest says " + layer.size() + ")" + CORRUPT);
        }
        Digest diffId = Digest.of(diffHash.digest());
        if (!diffId.equals(layer.diffId())) {
            throw new IngestException("layer " + layer.digest() + " unpacks to diffID " + diffId
                    + " but the config says " + layer.diffId() + CORRUPT);
        }
        return tar.count();
    }

    private static void writeLayersJson(Path metadata, OciImage image, OciLayer layer, long diffSize)
            throws IOException {
        ObjectNode info = JSON.createObjectNode();
        info.put("id", layer.diffId().hex());
        info.put("created", DateTimeFormatter.ISO_INSTANT.format(image.created()));
        info.put("compressed-diff-digest", layer.digest().value());
        info.put("diff-digest", layer.diffId().value());
        info.put("diff-size", diffSize);
        writeAtomically(metadata.resolve("layers.json"), JSON.writeValueAsBytes(JSON.createArrayNode().add(info)));
    }

    /**
     * Writes {@code metadata/whiteouts}: the markers of {@code layerfs} as {@link WhiteoutIndex}
     * says, unless the layer has too many for an index (the daemon then walks it).
     */
    private static void writeWhiteoutIndex(OciLayer layer, Path layerfs, Path metadata) throws IOException {
        LayerDigest digest = LayerDigest.parse(layer.digest().value());
        WhiteoutPlan plan = new WhiteoutScan(Duration.ofMinutes(1), Long.MAX_VALUE).walk(layerfs, entries -> { });
        Optional<byte[]> index = WhiteoutIndex.encode(digest, plan);
        if (index.isPresent()) {
            writeAtomically(metadata.resolve(WhiteoutIndex.FILE_NAME), index.get());
        }
    }

    /** Adds {@code origin} to {@code metadata/origin.json}, keeping the origins already listed. */
    private static void addOrigin(Path metadata, Digest origin) throws IOException {
        Path file = metadata.resolve("origin.json");
        Set<String> origins = new LinkedHashSet<>();
        if (Files.isRegularFile(file)) {
            for (JsonNode o : JSON.readTree(file.toFile()).path("origin")) {
                origins.add(o.asText());
            }
        }
        if (!origins.add(origin.value()) && Files.isRegularFile(file)) {
            return;
        }
        ObjectNode doc = JSON.createObjectNode();
        ArrayNode list = doc.putArray("origin");
        origins.forEach(list::add);
        writeAtomically(file, JSON.writeValueAsBytes(doc));
    }

    private static void writeAtomically(Path file, byte[] content) throws IOException {
        Files.createDirectories(file.getParent());
        Path temp = file.resolveSibling("." + file.getFileName() + ".tmp-" + System.nanoTime());
        try {
            Files.write(temp, content);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void ensureCatalog(Path dir) throws IOException {
        Path catalog = dir.resolve(CATALOG);
        if (!Files.exists(catalog, LinkOption.NOFOLLOW_LINKS)) {
            Files.createFile(catalog);
        }
    }

    /** DUCC's nested-catalog marker in {@code layerfs}, without disturbing the root's tar mtime. */
    private static void addCatalogKeepingMtime(Path layerfs) throws IOException {
        FileTime mtime = Files.getLastModifiedTime(layerfs, LinkOption.NOFOLLOW_LINKS);
        ensureCatalog(layerfs);
        EntryAttributes.setMtime(layerfs, mtime);
    }

    /** Hashes and counts the bytes read through it. */
    private static final class CountingDigestStream extends DigestInputStream {
        private long count;

        CountingDigestStream(InputStream in, MessageDigest digest) {
            super(in, digest);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = super.read(buffer, offset, length);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        /** No mark/reset: a reader re-reading marked bytes would hash and count them twice. */
        @Override
        public boolean markSupported() {
            return false;
        }

        /** Skips by reading, so skipped bytes (tar padding) are hashed and counted too. */
        @Override
        public long skip(long n) throws IOException {
            byte[] buffer = new byte[8192];
            long skipped = 0;
            while (skipped < n) {
                int r = read(buffer, 0, (int) Math.min(buffer.length, n - skipped));
                if (r < 0) {
                    break;
                }
                skipped += r;
            }
            return skipped;
        }

        long count() {
            return count;
        }
    }
}
