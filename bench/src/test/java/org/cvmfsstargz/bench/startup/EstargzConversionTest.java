package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class EstargzConversionTest {
    private static final String MANIFEST = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:aa","size":603},
             "layers":[
              {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:bb","size":1000,
               "annotations":{"containerd.io/snapshot/stargz/toc.digest":"sha256:cc",
                              "io.containers.estargz.uncompressed-size":"99999"}},
              {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:dd", "size" : 234}]}
            """;

    @Test
    void theLayerBytesAreTheLayersSizesWithoutTheConfigOrTheUncompressedSizeAnnotation() {
        assertThat(EstargzConversion.layerBytes(MANIFEST)).isEqualTo(1234);
    }

    @Test
    void aDocumentWithoutLayersIsNotAManifest() {
        assertThatThrownBy(() -> EstargzConversion.layerBytes("{\"manifests\":[]}"))
                .isInstanceOf(IllegalStateException.class);
    }
}
