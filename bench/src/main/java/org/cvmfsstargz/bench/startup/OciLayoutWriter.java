package org.cvmfsstargz.bench.startup;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;
import org.cvmfsstargz.bench.startup.BenchImage.Blob;
import org.cvmfsstargz.bench.startup.BenchImage.Layer;
import org.cvmfsstargz.bench.startup.ImagePlan.LayerPlan;
import org.cvmfsstargz.bench.startup.ImagePlan.PlannedFile;

/**
 * Streams an {@link ImagePlan} to disk as a linux/amd64 OCI image layout: a busybox base layer
 * (the host's static {@code busybox}, {@code /bin/sh} and {@code /bin/cat} linked to it, the
 * directories runc mounts over), then one {@code tar+gzip} layer per planned layer, the last one
 * also holding {@link #PROBE_PATH}. Each layer goes file by file through tar, SHA-256 (diffID),
 * gzip and SHA-256 (digest) straight to its blob file, so memory stays flat however large the
 * image; layers are written in parallel. Gzip at level 6, as Go's default that containerd,
 * BuildKit and Docker push with; every entry owned by root with one fixed mtime, so the same
 * plan always gives the same digests. Stateless.
 */
final class OciLayoutWriter {
    static final String PROBE_PATH = "etc/bench-release";
    static final String LAYER_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip";
    static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    private static final int GZIP_LEVEL = 6;
    private static final Instant MTIME = Instant.parse("2025-01-01T00:00:00Z");
    private static final int BUFFER = 1 << 20;

    private OciLayoutWriter() {}

    /**
     * Writes the image into {@code dir} (created; an image already there is overwritten blob by
     * blob) using up to {@code threads} threads, reporting each finished layer to {@code progress}.
     */
    static BenchImage write(ImagePlan plan, Path busybox, Path dir, int threads, Consumer<String> progress)
            throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        String probe = String.format(Locale.ROOT, "cvmfs-stargz-snapshotter benchmark image: %s%n", plan.spec().key());
        List<Layer> layers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads))) {
            List<Future<Layer>> pending = new ArrayList<>();
            pending.add(pool.submit(() -> writeLayer(blobs, "base", tar -> busyboxBase(tar, busybox), progress)));
            for (LayerPlan layer : plan.layers()) {
                boolean top = layer.index() == plan.layers().size();
                pending.add(pool.submit(() -> writeLayer(blobs, "layer " + layer.index(),
                        tar -> generated(tar, layer, top ? probe : null), progress)));
            }
            for (Future<Layer> layer : pending) {
                layers.add(layer.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing the image", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException("cannot write a layer", e.getCause());
        }
        Blob config = putBlob(blobs, configJson(layers));
        Blob manifest = putBlob(blobs, manifestJson(config, layers));
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"mediaType\":"
                + "\"application/vnd.oci.image.index.v1+json\",\"manifests\":[{\"mediaType\":\"" + MANIFEST_TYPE
                + "\",\"digest\":\"" + manifest.digest() + "\",\"size\":" + manifest.size()
                + ",\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");
        long extraBytes = Files.size(busybox) + probe.getBytes(StandardCharsets.UTF_8).length;
        BenchImage image = new BenchImage(dir, plan.spec().key(), manifest, config, layers, plan.files() + 2,
                plan.bytes() + extraBytes, "/" + PROBE_PATH, probe);
        image.store();
        return image;
    }

    /** Writes the entries of one layer's tar. */
    @FunctionalInterface
    private interface Entries {
        void write(TarArchiveOutputStream tar) throws IOException;
    }

    private static Layer writeLayer(Path blobs, String name, Entries entries, Consumer<String> progress)
            throws IOException {
        long begin = System.nanoTime();
        Path partial = Files.createTempFile(blobs, ".partial-", "");
        DigestingOutputStream blob;
        DigestingOutputStream tarSide;
        try {
            GzipParameters gzip = new GzipParameters();
            gzip.setCompressionLevel(GZIP_LEVEL);
            gzip.setBufferSize(BUFFER);
            blob = new DigestingOutputStream(new BufferedOutputStream(Files.newOutputStream(partial), BUFFER));
            tarSide = new DigestingOutputStream(new GzipCompressorOutputStream(blob, gzip));
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(new BufferedOutputStream(tarSide, BUFFER))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
                entries.write(tar);
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Blob written = new Blob(blob.digest(), blob.count());
        Files.move(partial, blobs.resolve(written.hex()), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        progress.accept(String.format(Locale.ROOT, "%s: %d bytes of tar, %d of gzip, in %.1f s", name,
                tarSide.count(), written.size(), (System.nanoTime() - begin) / 1e9));
        return new Layer(written, tarSide.digest(), tarSide.count());
    }

    private static void busyboxBase(TarArchiveOutputStream tar, Path busybox) throws IOException {
        Set<String> dirs = new HashSet<>();
        file(tar, dirs, "bin/busybox", Files.size(busybox), 0755, out -> Files.copy(busybox, out));
        for (String applet : List.of("sh", "cat", "ls", "echo")) {
            link(tar, "bin/" + applet, "busybox");
        }
        for (String dir : List.of("dev", "etc", "proc", "run", "sys")) {
            directory(tar, dirs, dir, 0755);
        }
        directory(tar, dirs, "root", 0700);
        directory(tar, dirs, "tmp", 01777);
    }

    private static void generated(TarArchiveOutputStream tar, LayerPlan layer, String probe) throws IOException {
        Set<String> dirs = new HashSet<>();
        for (PlannedFile f : layer.files()) {
            file(tar, dirs, f.path(), f.size(), f.mode(), out -> FileContent.write(out, f.content(), f.size(), f.seed()));
        }
        if (probe != null) {
            byte[] bytes = probe.getBytes(StandardCharsets.UTF_8);
            file(tar, dirs, PROBE_PATH, bytes.length, 0644, out -> out.write(bytes));
        }
    }

    /** Writes a file's bytes into the tar. */
    @FunctionalInterface
    private interface Body {
        void write(OutputStream out) throws IOException;
    }

    private static void file(TarArchiveOutputStream tar, Set<String> dirs, String path, long size, int mode, Body body)
            throws IOException {
        parents(tar, dirs, path);
        TarArchiveEntry entry = entry(path, TarConstants.LF_NORMAL, 0100000 | mode);
        entry.setSize(size);
        tar.putArchiveEntry(entry);
        body.write(tar);
        tar.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream tar, String path, String target) throws IOException {
        TarArchiveEntry entry = entry(path, TarConstants.LF_SYMLINK, 0120777);
        entry.setLinkName(target);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    /** A directory entry for each missing ancestor of {@code path}, outermost first, as tar writes them. */
    private static void parents(TarArchiveOutputStream tar, Set<String> dirs, String path) throws IOException {
        int slash = path.lastIndexOf('/');
        if (slash > 0 && !dirs.contains(path.substring(0, slash))) {
            directory(tar, dirs, path.substring(0, slash), 0755);
        }
    }

    private static void directory(TarArchiveOutputStream tar, Set<String> dirs, String path, int mode)
            throws IOException {
        parents(tar, dirs, path);
        dirs.add(path);
        tar.putArchiveEntry(entry(path + "/", TarConstants.LF_DIR, 040000 | mode));
        tar.closeArchiveEntry();
    }

    private static TarArchiveEntry entry(String name, byte type, int mode) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setMode(mode);
        entry.setModTime(FileTime.from(MTIME));
        entry.setIds(0, 0);
        entry.setNames("root", "root");
        return entry;
    }

    private static byte[] configJson(List<Layer> layers) {
        String diffIds = layers.stream().map(l -> "\"" + l.diffId() + "\"").collect(Collectors.joining(","));
        return ("{\"created\":\"" + MTIME + "\",\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":"
                + "[\"PATH=/bin\"],\"Cmd\":[\"/bin/sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[" + diffIds
                + "]}}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] manifestJson(Blob config, List<Layer> layers) {
        String descriptors = layers.stream().map(l -> descriptor(LAYER_TYPE, l.blob()))
                .collect(Collectors.joining(","));
        return ("{\"schemaVersion\":2,\"mediaType\":\"" + MANIFEST_TYPE + "\",\"config\":"
                + descriptor(CONFIG_TYPE, config) + ",\"layers\":[" + descriptors + "]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static String descriptor(String mediaType, Blob blob) {
        return "{\"mediaType\":\"" + mediaType + "\",\"digest\":\"" + blob.digest() + "\",\"size\":" + blob.size() + "}";
    }

    private static Blob putBlob(Path blobs, byte[] bytes) throws IOException {
        Blob blob = new Blob(DigestingOutputStream.sha256(bytes), bytes.length);
        Files.write(blobs.resolve(blob.hex()), bytes);
        return blob;
    }
}
