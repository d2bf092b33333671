package org.cvmfsstargz.snapshotter.diagnose;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.cvmfsstargz.snapshotter.RegistrySettings;
import org.cvmfsstargz.snapshotter.SourceSettings;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.source.cvmfs.CvmfsLayerSource;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.layer.RegistryBlobSource;
import org.cvmfsstargz.stargz.registry.Descriptor;
import org.cvmfsstargz.stargz.registry.ImageManifest;
import org.cvmfsstargz.stargz.registry.ImageReference;
import org.cvmfsstargz.stargz.registry.RegistryClient;
import org.cvmfsstargz.stargz.registry.RegistryException;

/**
 * {@code inspect}'s work: resolves an image to its linux/amd64 manifest and asks a
 * {@link LayerInspector} about each layer, with the sources and registry settings the
 * configuration gives the daemon. Thread-safe; the caller closes it (it holds a registry client).
 */
public final class ImageInspection implements AutoCloseable {
    private final RegistryClient client;
    private final LayerInspector inspector;

    public ImageInspection(RegistryClient client, LayerInspector inspector) {
        this.client = client;
        this.inspector = inspector;
    }

    /**
     * The sources {@code config} enables, in the daemon's order, reaching registries as the daemon does.
     *
     * @throws org.cvmfsstargz.snapshotter.config.ConfigException if the registry settings name unusable files
     */
    public static ImageInspection of(Config config) {
        RegistryClient client = new RegistryClient(RegistrySettings.options(config.registry(), Set.of()));
        Optional<CvmfsLayerSource> cvmfs = config.cvmfs().enabled()
                ? Optional.of(CvmfsLayerSource.of(config.cvmfs())) : Optional.empty();
        Optional<LayerInspector.Estargz> estargz = config.estargz().enabled()
                ? Optional.of(new LayerInspector.Estargz((image, layer) -> RegistryBlobSource.open(client, image, layer),
                        SourceSettings.tocFetcher(config.estargz()), config.estargz().requireTocDigest()))
                : Optional.empty();
        return new ImageInspection(client, new LayerInspector(cvmfs, estargz));
    }

    /**
     * Every layer of {@code reference}'s manifest, or only {@code layer} (then the report holds no
     * layer if the manifest has not that one).
     *
     * @throws RegistryException if the manifest cannot be fetched or verified
     */
    public ImageReport inspect(ImageReference reference, Optional<Digest> layer) throws RegistryException {
        ImageManifest manifest = client.resolve(reference);
        List<Descriptor> layers = manifest.layers().stream()
                .filter(d -> layer.isEmpty() || layer.get().equals(d.digest())).toList();
        return new ImageReport(reference.toString(), manifest.digest(),
                layers.stream().map(d -> inspector.inspect(manifest.reference(), d)).toList());
    }

    @Override
    public void close() {
        client.close();
    }
}
