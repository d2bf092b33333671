package org.cvmfsstargz.snapshotter.diagnose;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cvmfsstargz.snapshotter.SourceSettings;
import org.cvmfsstargz.snapshotter.config.CvmfsConfig;
import org.cvmfsstargz.snapshotter.config.EstargzConfig;
import org.cvmfsstargz.snapshotter.source.DeclineReason;
import org.cvmfsstargz.snapshotter.source.LayerSourceChain;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;
import org.cvmfsstargz.snapshotter.source.estargz.EstargzLayerSource;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.format.Footer;
import org.cvmfsstargz.stargz.format.Prefetch;
import org.cvmfsstargz.stargz.format.TestBlob;
import org.cvmfsstargz.stargz.layer.BlobSource;
import org.cvmfsstargz.stargz.registry.ByteRange;
import org.cvmfsstargz.stargz.registry.Descriptor;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerInspectorTest {
    private static final ImageReference IMAGE = ImageReference.parse("registry.test/app@sha256:" + "a".repeat(64));
    private static final String REPOSITORY = "unpacked.test";
    private static final String GZIP_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip";

    @TempDir
    Path tmp;

    private final List<Digest> opened = new ArrayList<>();
    private TestBlob.Built blob;
    private Digest blobDigest;

    @BeforeEach
    void buildAnEstargzLayer() throws IOException {
        Files.createDirectories(tmp.resolve(REPOSITORY));
        byte[] big = new byte[10_000];
        Arrays.fill(big, (byte) 7);
        blob = TestBlob.layer().chunkSize(4096)
                .file("etc/first", "read first\n")
                .landmark(Prefetch.LANDMARK)
                .dir("etc").dir("usr").dir("usr/bin")
                .file("usr/bin/tool", big)
                .file("usr/bin/empty", "")
                .symlink("usr/bin/link", "tool")
                .hardlink("usr/bin/hard", "usr/bin/tool")
                .fifo("run.fifo")
                .build();
        blobDigest = Digest.sha256(blob.blob());
    }

    private Descriptor layer(Map<String, String> annotations) {
        return new Descriptor(GZIP_LAYER, blobDigest, blob.blob().length, Optional.empty(), annotations);
    }

    private Descriptor estargzLayer() {
        return layer(Map.of(EstargzLayerSource.TOC_DIGEST, blob.tocDigest().value()));
    }

    private Optional<CvmfsLayerSource> cvmfs() {
        return Optional.of(CvmfsLayerSource.of(new CvmfsConfig(true, tmp, List.of(REPOSITORY), 2_000, null, null,
                null, null, null)));
    }

    private Optional<LayerInspector.Estargz> estargz(boolean requireTocDigest) {
        return Optional.of(new LayerInspector.Estargz((image, digest) -> {
            opened.add(digest);
            return new ArrayBlob(blob.blob());
        }, SourceSettings.tocFetcher(EstargzConfig.defaults()), requireTocDigest));
    }

    @Test
    void anEstargzLayerNotOnCvmfsIsServedLazilyWithItsTocInFigures() {
        LayerReport report = new LayerInspector(cvmfs(), estargz(true)).inspect(IMAGE, estargzLayer());

        assertThat(report.source()).isEqualTo("estargz");
        assertThat(report.reason()).isEqualTo("provided");
        assertThat(report.detail()).contains("verified against").contains(blob.tocDigest().value());
        assertThat(report.declines()).extracting(LayerSourceChain.Declined::source).containsExactly("cvmfs");
        assertThat(report.declines().getFirst().notMine().code()).isEqualTo(DeclineReason.NOT_PUBLISHED);
        TocSummary toc = report.toc().orElseThrow();
        assertThat(List.of(toc.files(), toc.dirs(), toc.symlinks(), toc.hardLinks(), toc.others()))
                .as("files, dirs, symlinks, hard links, others").containsExactly(3L, 3L, 1L, 1L, 1L);
        assertThat(toc.chunks()).as("1 + 3 chunks of 4 KiB + none for the empty file").isEqualTo(4);
        assertThat(toc.uncompressedBytes()).isEqualTo("read first\n".length() + 10_000);
        assertThat(toc.tocJsonBytes()).isEqualTo(blob.tocJson().length);
        assertThat(toc.tocCompressedBytes()).isEqualTo(blob.blob().length - blob.tocOffset()
                - Footer.Format.ESTARGZ.size());
        assertThat(toc.landmark()).isEqualTo(Prefetch.LANDMARK);
        assertThat(toc.prioritizedBytes()).isPresent();
        assertThat(toc.prioritizedBytes().getAsLong()).isPositive().isLessThan(blob.tocOffset());
    }

    @Test
    void aLayerPublishedOnCvmfsIsServedFromThereEvenIfItIsEstargz() throws IOException {
        String hex = blobDigest.hex();
        Path layerfs = Files.createDirectories(tmp.resolve(REPOSITORY).resolve(".layers").resolve(hex.substring(0, 2))
                .resolve(hex).resolve("layerfs"));

        LayerReport report = new LayerInspector(cvmfs(), estargz(true)).inspect(IMAGE, estargzLayer());

        assertThat(report.source()).isEqualTo("cvmfs");
        assertThat(report.layerDir()).contains(layerfs);
        assertThat(report.toc()).isEmpty();
        assertThat(opened).as("the registry is not asked").isEmpty();
    }

    @Test
    void aPlainLayerIsPulledWithTheFirstSourcesReasonAndEverySourcesWords() {
        LayerReport report = new LayerInspector(cvmfs(), estargz(true)).inspect(IMAGE, layer(Map.of()));

        assertThat(report.source()).isEqualTo("pull");
        assertThat(report.reason()).as("the daemon's metric counts the preferred source's reason")
                .isEqualTo("not_published");
        assertThat(report.declines()).extracting(d -> d.notMine().code())
                .containsExactly(DeclineReason.NOT_PUBLISHED, DeclineReason.NOT_ESTARGZ);
        assertThat(report.detail()).startsWith("cvmfs: ").contains("; estargz: no " + EstargzLayerSource.TOC_DIGEST);
        assertThat(opened).as("without the annotation the blob is not read").isEmpty();
    }

    @Test
    void withCvmfsDisabledAPlainLayerIsPulledAsNotEstargz() {
        LayerReport report = new LayerInspector(Optional.empty(), estargz(true)).inspect(IMAGE, layer(Map.of()));

        assertThat(report.reason()).isEqualTo("not_estargz");
    }

    @Test
    void aTocThatDoesNotMatchItsAnnotationIsCorrupt() {
        Descriptor tampered = layer(Map.of(EstargzLayerSource.TOC_DIGEST, Digest.sha256(new byte[1]).value()));

        LayerReport report = new LayerInspector(Optional.empty(), estargz(true)).inspect(IMAGE, tampered);

        assertThat(report.source()).isEqualTo("pull");
        assertThat(report.reason()).isEqualTo("corrupt");
    }

    @Test
    void aBlobTheRegistryDoesNotHaveIsNotPublishedAndOneItCannotServeIsUnavailable() {
        for (var kind : List.of(RegistryException.Kind.NOT_FOUND, RegistryException.Kind.UNREACHABLE)) {
            LayerInspector inspector = new LayerInspector(Optional.empty(), Optional.of(new LayerInspector.Estargz(
                    (image, digest) -> {
                        throw new RegistryException(kind, "blob " + digest + ": " + kind);
                    }, SourceSettings.tocFetcher(EstargzConfig.defaults()), true)));

            LayerReport report = inspector.inspect(IMAGE, estargzLayer());

            assertThat(report.reason()).isEqualTo(kind == RegistryException.Kind.NOT_FOUND ? "not_published"
                    : "unavailable");
        }
    }

    @Test
    void withoutTheAnnotationAndWithoutRequiringItTheTocIsReadUnverified() {
        LayerReport report = new LayerInspector(Optional.empty(), estargz(false)).inspect(IMAGE, layer(Map.of()));

        assertThat(report.source()).isEqualTo("estargz");
        assertThat(report.detail()).contains("not verified");
    }

    @Test
    void withNoSourceConfiguredEveryLayerIsPulledForNoSource() {
        LayerReport report = new LayerInspector(Optional.empty(), Optional.empty()).inspect(IMAGE, estargzLayer());

        assertThat(report.reason()).isEqualTo("no_source");
    }

    @Test
    void theJsonReportCarriesTheDecisionAndTheTocSummary() {
        LayerReport layer = new LayerInspector(cvmfs(), estargz(true)).inspect(IMAGE, estargzLayer());
        String json = ReportFormat.json(new ImageReport("registry.test/app:1", blobDigest, List.of(layer)));

        assertThat(json).contains("\"source\" : \"estargz\"").contains("\"files\" : 3")
                .contains("\"hard_links\" : 1").contains("\"landmark\" : \".prefetch.landmark\"")
                .contains("\"source\" : \"cvmfs\"", "\"reason\" : \"not_published\"");
        assertThat(ReportFormat.text(new ImageReport("registry.test/app:1", blobDigest, List.of(layer))))
                .contains("  source: estargz\n", "  entries: files=3 dirs=3 symlinks=1 hardlinks=1 others=1\n",
                        "  declined by cvmfs: not_published: ");
    }

    /** A blob in memory, read by range. */
    private record ArrayBlob(byte[] bytes) implements BlobSource {
        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public List<byte[]> read(List<ByteRange> ranges) {
            return ranges.stream().map(r -> Arrays.copyOfRange(bytes, (int) r.offset(),
                    (int) Math.min(bytes.length, r.offset() + r.length()))).toList();
        }

        @Override
        public String describe() {
            return "memory";
        }
    }
}
