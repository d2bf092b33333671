package org.cvmfsstargz.it.estargz;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.Descriptor;
import org.cvmfsstargz.stargz.registry.ImageManifest;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;
import org.cvmfsstargz.stargz.registry.RegistryOptions;

/**
 * Puts an {@link org.cvmfsstargz.it.support.OciImageBuilder} image and its eStargz conversion into
 * a registry, converted the way users do it: Debian's {@code ctr-remote} (stargz-snapshotter 0.12)
 * inside a running containerd. The commands, all in namespace {@value ContainerdProcess#NAMESPACE}:
 * <pre>
 * ctr images import --no-unpack ARCHIVE
 * ctr images tag --force NAME HOST/REPO:plain             (only if the image has another name)
 * ctr-remote image convert --estargz --oci [--estargz-chunk-size N] HOST/REPO:plain HOST/REPO:esgz
 * ctr images push --plain-http HOST/REPO:plain
 * ctr images push --plain-http HOST/REPO:esgz
 * ctr images rm --sync NAME HOST/REPO:plain HOST/REPO:esgz
 * </pre>
 * {@code convert} needs only containerd's content store: no snapshotter, no container, no
 * network. It writes layers with {@code .no.prefetch.landmark} ({@code ctr-remote image optimize},
 * which writes {@code .prefetch.landmark}, runs the image in a runc container and is not used).
 * The last command leaves that containerd without the images and, once its garbage collector has
 * run ({@code --sync}), without their blobs, so a later pull in the same containerd fetches every
 * layer from the registry; {@link #publish} checks that the converted layers are gone.
 *
 * <p>Stateless.
 */
public final class EstargzImages {
    /** Tags of the two images in the repository. */
    public static final String PLAIN_TAG = "plain";
    public static final String ESGZ_TAG = "esgz";

    private EstargzImages() {}

    /** As {@link #publish(ContainerdProcess, String, Image, String, OptionalInt)} to {@code registry}. */
    public static EstargzImage publish(ContainerdProcess containerd, RegistryProcess registry, Image image,
            String repository, OptionalInt chunkSize) throws RegistryException {
        return publish(containerd, registry.hostPort(), image, repository, chunkSize);
    }

    /**
     * Pushes {@code image} as {@code <registryHostPort>/<repository>:plain} and its eStargz
     * conversion as {@code :esgz}, then removes both from {@code containerd}.
     *
     * @param registryHostPort where containerd pushes (plain HTTP): the registry, or a proxy in front of it
     * @param repository e.g. {@code it/estargz}
     * @param chunkSize {@code --estargz-chunk-size}; empty for ctr-remote's default (4 MiB)
     * @throws AssertionError if a command fails (with its output and containerd's log) or blobs remain
     * @throws RegistryException if the registry does not serve the pushed manifests
     */
    public static EstargzImage publish(ContainerdProcess containerd, String registryHostPort, Image image,
            String repository, OptionalInt chunkSize) throws RegistryException {
        String plain = registryHostPort + "/" + repository + ":" + PLAIN_TAG;
        String esgz = registryHostPort + "/" + repository + ":" + ESGZ_TAG;
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        if (!image.name().equals(plain)) {
            containerd.ctrOk("images", "tag", "--force", image.name(), plain);
        }
        List<String> convert = new ArrayList<>(List.of("image", "convert", "--estargz", "--oci"));
        chunkSize.ifPresent(size -> convert.addAll(List.of("--estargz-chunk-size", Integer.toString(size))));
        convert.addAll(List.of(plain, esgz));
        containerd.ctrRemoteOk(convert.toArray(String[]::new));
        containerd.pushOk(plain);
        containerd.pushOk(esgz);
        Set<String> names = new LinkedHashSet<>(List.of(image.name(), plain, esgz));
        List<String> rm = new ArrayList<>(List.of("images", "rm", "--sync"));
        rm.addAll(names);
        containerd.ctrOk(rm.toArray(String[]::new));

        EstargzImage published = describe(plain, esgz);
        requireGone(containerd, published);
        return published;
    }

    /** Both manifests as the registry serves them, with each layer's TOC digest. */
    private static EstargzImage describe(String plain, String esgz) throws RegistryException {
        try (RegistryClient client = new RegistryClient(RegistryOptions.defaults())) {
            ImageManifest plainManifest = client.resolve(ImageReference.parse(plain));
            ImageManifest esgzManifest = client.resolve(ImageReference.parse(esgz));
            if (plainManifest.layers().size() != esgzManifest.layers().size()) {
                throw new AssertionError("ctr-remote turned " + plainManifest.layers().size() + " layers into "
                        + esgzManifest.layers().size() + ": " + new String(esgzManifest.content()));
            }
            List<EstargzImage.ConvertedLayer> layers = new ArrayList<>();
            for (int i = 0; i < plainManifest.layers().size(); i++) {
                Descriptor converted = esgzManifest.layers().get(i);
                String toc = converted.annotations().get(EstargzImage.TOC_DIGEST);
                if (toc == null) {
                    throw new AssertionError("layer " + i + " of " + esgz + " has no " + EstargzImage.TOC_DIGEST
                            + " annotation: " + new String(esgzManifest.content()));
                }
                layers.add(new EstargzImage.ConvertedLayer(plainManifest.layers().get(i), converted,
                        Digest.parse(toc)));
            }
            return new EstargzImage(plain, esgz, plainManifest, esgzManifest, layers);
        }
    }

    /** Fails if containerd still holds a converted layer, which a later pull would then not fetch. */
    private static void requireGone(ContainerdProcess containerd, EstargzImage image) {
        Set<String> held = containerd.ctrOk("content", "ls", "-q").lines().map(String::strip)
                .collect(Collectors.toSet());
        List<String> left = image.layers().stream().map(l -> l.estargz().digest().value()).filter(held::contains)
                .toList();
        if (!left.isEmpty()) {
            throw new AssertionError("containerd still holds eStargz layers " + left + " after removing "
                    + image.esgzReference() + "; a later pull would not fetch them" + containerd.diagnostics());
        }
    }
}
