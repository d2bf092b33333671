package org.cvmfsstargz.it.estargz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.CHUNK_SIZE;
import static org.cvmfsstargz.it.estargz.EstargzTestImage.tarPath;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.cvmfsstargz.it.estargz.EstargzImage.ConvertedLayer;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.stargz.format.Chunk;
import org.cvmfsstargz.stargz.format.ChunkVerifier;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.DirectoryEntry;
import org.cvmfsstargz.stargz.format.EntryType;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.format.TocEntry;
import org.cvmfsstargz.stargz.format.TocLimits;
import org.cvmfsstargz.stargz.format.TocReader;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;
import org.cvmfsstargz.stargz.registry.RegistryOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our eStargz format reader against what the real converter writes: {@link EstargzTestImage},
 * converted once by Debian's {@code ctr-remote image convert} ({@link EstargzImages}), read back
 * layer by layer from the loopback registry through our {@link RegistryClient} the way the
 * snapshotter will: blob size, footer, TOC section checked against the manifest's TOC digest,
 * then every chunk's compressed range, inflated and verified on its own. The bytes must be those of
 * the plain layer, which Commons Compress reads independently.
 */
@Timeout(240)
class EstargzConversionIT {
    private static final String REPOSITORY = "it/estargz";
    /** containerd's built-in overlayfs snapshotter keeps snapshot n's tree in {@code <n>/fs}. */
    private static final String OVERLAY_SNAPSHOTS = "containerd/root/io.containerd.snapshotter.v1.overlayfs/snapshots";

    @TempDir
    static Path tmp;

    private static RegistryProcess registry;
    private static ContainerdProcess containerd;
    private static EstargzTestImage testImage;
    private static EstargzImage published;
    private static RegistryClient client;
    private static final List<Toc> tocs = new ArrayList<>();

    @BeforeAll
    static void convert() throws Exception {
        registry = RegistryProcess.start(tmp.resolve("registry"));
        // No snapshotter: converting uses only the content store, and containerd dials a proxy lazily.
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), tmp.resolve("no-snapshotter.sock"));
        containerd.alsoReportOnFailure(() -> "--- registry log ---\n" + registry.logText());
        testImage = EstargzTestImage.write(tmp.resolve("image.tar"), registry.hostPort() + "/" + REPOSITORY
                + ":" + EstargzImages.PLAIN_TAG);
        published = EstargzImages.publish(containerd, registry, testImage.image(), REPOSITORY,
                OptionalInt.of(CHUNK_SIZE));
        client = new RegistryClient(RegistryOptions.defaults());
        for (ConvertedLayer layer : published.layers()) {
            tocs.add(readToc(layer));
        }
    }

    @AfterAll
    static void stopEverything() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            Teardown.stop(tmp, containerd, null, registry);
        }
    }

    @Test
    void everyEntryOfEveryLayerReadsBackChunkByChunkAsThePlainLayerHasIt() throws Exception {
        ChunkVerifier verifier = new ChunkVerifier(true);
        for (int i = 0; i < published.layers().size(); i++) {
            ConvertedLayer layer = published.layers().get(i);
            Toc toc = tocs.get(i);
            PlainLayer plain = PlainLayer.read(client.openBlob(repository(), layer.plain().digest()));
            byte[] blob = client.readBlob(repository(), layer.estargz().digest(),
                    Math.toIntExact(layer.estargz().size()));
            Map<String, TocEntry> walked = walk(toc);
            assertThat(walked.keySet()).as("paths of layer %d", i).containsExactlyInAnyOrderElementsOf(
                    plain.entries().keySet());
            // A hard link after its target gives the shared inode its own header, as unpacking does.
            java.util.Set<String> linkTargets = plain.entries().values().stream()
                    .filter(e -> e.kind() == PlainLayer.Kind.HARDLINK).map(e -> e.link().replaceFirst("^\\./", ""))
                    .collect(java.util.stream.Collectors.toSet());
            for (PlainLayer.Entry expected : plain.entries().values()) {
                TocEntry entry = walked.get(expected.path());
                String what = "layer " + i + " entry " + expected.path();
                if (expected.kind() != PlainLayer.Kind.HARDLINK && !linkTargets.contains(expected.path())) {
                    assertThat(entry.permissions()).as("mode of %s", what).isEqualTo(expected.mode());
                    assertThat(List.of(entry.uid(), entry.gid())).as("owner of %s", what)
                            .isEqualTo(List.of(expected.uid(), expected.gid()));
                }
                switch (expected.kind()) {
                    case DIR -> assertThat(entry.type()).as(what).isEqualTo(EntryType.DIR);
                    case SYMLINK -> assertThat(entry.linkTarget()).as(what).contains(expected.link());
                    case HARDLINK -> assertThat(entry.inode()).as("inode of %s", what)
                            .isEqualTo(walked.get(expected.link()).inode());
                    case FILE -> assertThat(OciImageBuilder.sha256(fileBytes(verifier, layer, blob, toc, entry)))
                            .as("sha256 of the bytes of %s", what)
                            .isEqualTo(OciImageBuilder.sha256(expected.content()));
                    case OTHER -> throw new AssertionError("the test image has no " + what);
                }
            }
        }
    }

    @Test
    void theFilesTheTestImagePromisesAreWhatItsLayersAddUpTo() throws Exception {
        List<PlainLayer> layers = new ArrayList<>();
        for (ConvertedLayer layer : published.layers()) {
            layers.add(PlainLayer.read(client.openBlob(repository(), layer.plain().digest())));
        }
        Map<String, String> merged = new LinkedHashMap<>();
        PlainLayer.merge(layers).forEach((path, bytes) -> merged.put(path, OciImageBuilder.sha256(bytes)));

        assertThat(merged).isEqualTo(testImage.fileDigests());
        assertThat(merged).hasSizeGreaterThan(EstargzTestImage.SMALL_FILES).doesNotContainKeys(
                testImage.absentPaths().toArray(String[]::new));
    }

    @Test
    void everyLayerHasALandmarkAndTheTocTheAnnotationVouchesFor() {
        for (int i = 0; i < published.layers().size(); i++) {
            ConvertedLayer layer = published.layers().get(i);
            assertThat(tocs.get(i).digest()).isEqualTo(layer.tocDigest());
            assertThat(tocs.get(i).prefetch()).as("landmark of layer %d", i)
                    .isInstanceOfAny(Prefetch.Nothing.class, Prefetch.UpTo.class);
            assertThat(layer.estargz().mediaType()).isEqualTo("application/vnd.oci.image.layer.v1.tar+gzip");
            assertThat(layer.estargz().annotations()).containsKey(EstargzImage.UNCOMPRESSED_SIZE);
        }
    }

    @Test
    void hardLinksShareTheirTargetsInode() {
        Toc middle = tocs.get(1);
        TocEntry hello = middle.lookup(tarPath(EstargzTestImage.HELLO)).orElseThrow();
        TocEntry big = middle.lookup(tarPath(EstargzTestImage.BIG)).orElseThrow();
        assertThat(middle.lookup(tarPath(EstargzTestImage.HELLO_HARDLINK))).get().isEqualTo(hello);
        assertThat(middle.lookup(tarPath(EstargzTestImage.BIG_HARDLINK))).get().isEqualTo(big);
        assertThat(List.of(hello.linkCount(), big.linkCount())).isEqualTo(List.of(2, 2));
        TocEntry busybox = tocs.getFirst().lookup("bin/busybox").orElseThrow();
        assertThat(tocs.getFirst().lookup("bin/ls")).get().extracting(TocEntry::inode).isEqualTo(busybox.inode());
    }

    @Test
    void xattrsComeThroughTheTocWithTheirExactBytes() {
        Toc middle = tocs.get(1);
        long inode = middle.lookup(tarPath(EstargzTestImage.XATTR_FILE)).orElseThrow().inode();
        Map<String, byte[]> xattrs = middle.xattrs(inode);
        assertThat(xattrs.keySet()).containsExactlyInAnyOrder(EstargzTestImage.XATTR_NAME,
                EstargzTestImage.BINARY_XATTR_NAME);
        assertThat(xattrs.get(EstargzTestImage.XATTR_NAME))
                .isEqualTo(EstargzTestImage.XATTR_VALUE.getBytes(StandardCharsets.UTF_8));
        assertThat(xattrs.get(EstargzTestImage.BINARY_XATTR_NAME)).isEqualTo(EstargzTestImage.binaryXattrValue());
        assertThat(middle.xattrs(middle.lookup(tarPath(EstargzTestImage.HELLO)).orElseThrow().inode())).isEmpty();
    }

    @Test
    void largeFilesAreCutIntoChunksOfTheChosenSize() {
        Toc middle = tocs.get(1);
        for (String path : List.of(EstargzTestImage.BIG, EstargzTestImage.ONE_CHUNK, EstargzTestImage.COMPRESSIBLE)) {
            TocEntry file = middle.lookup(tarPath(path)).orElseThrow();
            List<Chunk> chunks = middle.chunks(file.inode());
            assertThat(chunks).as("chunks of %s", path).hasSize((int) ((file.size() + CHUNK_SIZE - 1) / CHUNK_SIZE));
            for (int c = 0; c < chunks.size(); c++) {
                assertThat(chunks.get(c).chunkOffset()).isEqualTo((long) c * CHUNK_SIZE);
                assertThat(chunks.get(c).chunkSize())
                        .isEqualTo(Math.min(CHUNK_SIZE, file.size() - (long) c * CHUNK_SIZE));
            }
        }
        assertThat(middle.chunks(middle.lookup(tarPath(EstargzTestImage.BIG)).orElseThrow().inode())).hasSize(11);
    }

    @Test
    void whiteoutsAndOpaqueMarkersAreEmptyRegularFilesOfTheTopLayer() {
        Toc top = tocs.getLast();
        for (String marker : List.of("etc/.wh.gone.txt", "opaque/.wh..wh..opq")) {
            TocEntry entry = top.lookup(marker).orElseThrow(() -> new AssertionError(marker + " not in the top TOC"));
            assertThat(entry.type()).as(marker).isEqualTo(EntryType.REG);
            assertThat(entry.size()).as(marker).isZero();
            assertThat(top.chunks(entry.inode())).as(marker).isEmpty();
        }
        assertThat(top.lookup(tarPath(EstargzTestImage.WHITED_OUT))).isEmpty();
        assertThat(tocs.get(1).lookup(tarPath(EstargzTestImage.WHITED_OUT))).isPresent();
    }

    /**
     * The baseline the end-to-end tests compare our mounts with: containerd's own pull of the
     * converted image (an eStargz blob is a valid gzip tar) sets the xattrs on the file in its
     * overlayfs snapshot, binary value included.
     */
    @Test
    void aNormalPullOfTheConvertedImageSetsTheXattrsInTheOverlaySnapshot() throws IOException {
        containerd.ctrOk("images", "pull", "--plain-http", "--snapshotter", "overlayfs", published.esgzReference());

        List<Path> found;
        try (Stream<Path> snapshots = Files.list(tmp.resolve(OVERLAY_SNAPSHOTS))) {
            found = snapshots.map(s -> s.resolve("fs").resolve(tarPath(EstargzTestImage.XATTR_FILE)))
                    .filter(Files::isRegularFile).toList();
        }
        assertThat(found).as("snapshots holding %s", EstargzTestImage.XATTR_FILE).hasSize(1);
        UserDefinedFileAttributeView xattrs = Files.getFileAttributeView(found.getFirst(),
                UserDefinedFileAttributeView.class);
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (String name : xattrs.list()) {
            ByteBuffer value = ByteBuffer.allocate(xattrs.size(name));
            xattrs.read(name, value);
            values.put("user." + name, Arrays.copyOf(value.array(), value.position()));
        }
        assertThat(values.keySet()).containsExactlyInAnyOrder(EstargzTestImage.XATTR_NAME,
                EstargzTestImage.BINARY_XATTR_NAME);
        assertThat(values.get(EstargzTestImage.XATTR_NAME))
                .isEqualTo(EstargzTestImage.XATTR_VALUE.getBytes(StandardCharsets.UTF_8));
        assertThat(values.get(EstargzTestImage.BINARY_XATTR_NAME)).isEqualTo(EstargzTestImage.binaryXattrValue());
    }

    /** Footer, TOC section, TOC: as the snapshotter finds them, from the blob's size and tail. */
    private static Toc readToc(ConvertedLayer layer) throws RegistryException, CorruptLayerException {
        long size = client.blobSize(repository(), layer.estargz().digest());
        assertThat(size).as("blob size of %s", layer.estargz().digest()).isEqualTo(layer.estargz().size());
        byte[] tail = client.readRange(repository(), layer.estargz().digest(), size - Footer.MAX_SIZE, Footer.MAX_SIZE);
        Footer footer = Footer.parse(tail, size);
        assertThat(footer.format()).isEqualTo(Footer.Format.ESTARGZ);
        byte[] section = client.readRange(repository(), layer.estargz().digest(), footer.tocOffset(),
                Math.toIntExact(footer.tocLength(size)));
        try {
            return new TocReader(TocLimits.defaults()).read(section, footer, size, Optional.of(layer.tocDigest()));
        } catch (CorruptLayerException e) {
            throw new AssertionError("our reader refused the TOC ctr-remote wrote for layer " + layer.estargz().digest()
                    + ": " + e.reason() + " " + e.getMessage() + " entry=" + e.entry().orElse("-") + "\n"
                    + TocJson.snippet(section, e.entry()), e);
        }
    }

    /**
     * A regular file's bytes, each chunk inflated and verified on its own from just its compressed
     * range {@code [offset, compressedEnd)}. The ranges are cut from {@code blob}, the whole layer
     * fetched once: a ranged GET costs the loopback registry 10 to 40 ms, too much for each of the
     * thousands of small files. The chunks of multi-chunk files are fetched as ranged GETs too, which
     * must return the same bytes.
     */
    private static byte[] fileBytes(ChunkVerifier verifier, ConvertedLayer layer, byte[] blob, Toc toc, TocEntry file)
            throws RegistryException, CorruptLayerException, IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.toIntExact(file.size()));
        List<Chunk> chunks = toc.chunks(file.inode());
        for (Chunk chunk : chunks) {
            assertThat(chunk.chunkOffset()).as("chunks of %s tile the file", file.path()).isEqualTo(out.size());
            assertThat(chunk.compressedEnd()).as("compressed end of a chunk of %s", file.path())
                    .isLessThanOrEqualTo(blob.length - Footer.MAX_SIZE);
            byte[] compressed = Arrays.copyOfRange(blob, Math.toIntExact(chunk.offset()),
                    Math.toIntExact(chunk.compressedEnd()));
            if (chunks.size() > 1) {
                byte[] ranged = client.readRange(repository(), layer.estargz().digest(), chunk.offset(),
                        compressed.length);
                assertThat(OciImageBuilder.sha256(ranged)).as("sha256 of a ranged GET of a chunk of %s", file.path())
                        .isEqualTo(OciImageBuilder.sha256(compressed));
            }
            out.write(verifier.read(file, chunk, compressed));
        }
        assertThat((long) out.size()).as("size of %s", file.path()).isEqualTo(file.size());
        return out.toByteArray();
    }

    /** Every name reachable from the root (landmarks left out), hard links under their own names. */
    private static Map<String, TocEntry> walk(Toc toc) {
        Map<String, TocEntry> byPath = new LinkedHashMap<>();
        walk(toc, Toc.ROOT_INODE, "", byPath);
        return byPath;
    }

    private static void walk(Toc toc, long dir, String prefix, Map<String, TocEntry> byPath) {
        for (DirectoryEntry child : toc.children(dir)) {
            if (prefix.isEmpty() && Prefetch.isLandmark(child.name())) {
                continue;
            }
            String path = prefix + child.name();
            TocEntry entry = toc.entry(child.inode()).orElseThrow();
            if (byPath.put(path, entry) == null && entry.type() == EntryType.DIR && entry.path().equals(path)) {
                walk(toc, child.inode(), path + "/", byPath);
            }
        }
    }

    private static ImageReference repository() {
        return ImageReference.parse(published.esgzReference());
    }
}
