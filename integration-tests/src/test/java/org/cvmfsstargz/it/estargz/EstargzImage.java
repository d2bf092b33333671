package org.cvmfsstargz.it.estargz;

import java.util.List;
import java.util.Objects;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.Descriptor;
import org.cvmfsstargz.stargz.registry.ImageManifest;

/**
 * An image as {@link EstargzImages#publish} left it in a registry: the plain original and its
 * eStargz conversion by {@code ctr-remote}, each with its manifest as the registry serves it.
 * Immutable and thread-safe.
 *
 * @param plainReference {@code <host>/<repository>:plain}, the image as built
 * @param esgzReference {@code <host>/<repository>:esgz}, its conversion
 * @param plainManifest the plain image's linux/amd64 manifest
 * @param esgzManifest the converted image's manifest: OCI media types, a TOC digest on each layer
 * @param layers the layers side by side, base first
 */
public record EstargzImage(String plainReference, String esgzReference, ImageManifest plainManifest,
        ImageManifest esgzManifest, List<ConvertedLayer> layers) {
    /** The annotation on an eStargz layer's descriptor: sha256 of its uncompressed TOC JSON. */
    public static final String TOC_DIGEST = "containerd.io/snapshot/stargz/toc.digest";
    /** The annotation on an eStargz layer's descriptor: the length of its uncompressed tar. */
    public static final String UNCOMPRESSED_SIZE = "io.containers.estargz.uncompressed-size";

    public EstargzImage {
        Objects.requireNonNull(plainReference, "plainReference");
        Objects.requireNonNull(esgzReference, "esgzReference");
        Objects.requireNonNull(plainManifest, "plainManifest");
        Objects.requireNonNull(esgzManifest, "esgzManifest");
        layers = List.copyOf(layers);
    }

    /**
     * One layer before and after conversion.
     *
     * @param plain the original gzip tar layer's descriptor
     * @param estargz the eStargz layer's descriptor, annotations included
     * @param tocDigest the value of its {@value EstargzImage#TOC_DIGEST} annotation
     */
    public record ConvertedLayer(Descriptor plain, Descriptor estargz, Digest tocDigest) {
        public ConvertedLayer {
            Objects.requireNonNull(plain, "plain");
            Objects.requireNonNull(estargz, "estargz");
            Objects.requireNonNull(tocDigest, "tocDigest");
        }
    }
}
