package org.cvmfsstargz.cvmfs.resolve;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A CVMFS repository as mounted on this node: the mountpoint of all repositories (usually
 * {@code /cvmfs}) and the repository's fully qualified name (for example {@code unpacked.cern.ch}).
 * Computes paths only; it never touches the filesystem (an autofs lookup under {@code /cvmfs}
 * may mount the repository or hang, which is {@code probe}'s business).
 *
 * <p>Immutable and thread-safe; holds no resources.
 *
 * @param mountpoint absolute directory under which repositories are mounted
 * @param name the repository name, a single path segment
 */
public record Repository(Path mountpoint, String name) {
    /** Where DUCC keeps unpacked layers, relative to the repository root. */
    public static final String LAYERS = ".layers";
    /** The layer's file tree inside its {@code .layers/<xx>/<hex>} directory. */
    public static final String LAYERFS = "layerfs";
    /** The layer's metadata ({@code layers.json}, {@code origin.json}, ...) beside {@code layerfs}. */
    public static final String METADATA = ".metadata";

    public Repository {
        Objects.requireNonNull(mountpoint, "mountpoint");
        Objects.requireNonNull(name, "repository name");
        if (!mountpoint.isAbsolute()) {
            throw new IllegalArgumentException("repository mountpoint must be absolute: " + mountpoint);
        }
        mountpoint = mountpoint.normalize();
        if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/")
                || name.contains("\0") || !name.strip().equals(name)) {
            throw new IllegalArgumentException("repository name must be a single path segment,"
                    + " for example unpacked.cern.ch; got '" + name + "'");
        }
    }

    /** The repository under the default {@code /cvmfs} mountpoint. */
    public static Repository underCvmfs(String name) {
        return new Repository(Path.of("/cvmfs"), name);
    }

    /** The repository root, {@code <mountpoint>/<name>}. */
    public Path root() {
        return mountpoint.resolve(name);
    }

    /** Where DUCC publishes {@code digest} unpacked: {@code root/.layers/<hex[0:2]>/<hex>/layerfs}. */
    public Path layerDir(LayerDigest digest) {
        return layerHome(digest).resolve(LAYERFS);
    }

    /** The metadata directory of {@code digest}: {@code root/.layers/<hex[0:2]>/<hex>/.metadata}. */
    public Path layerMetadata(LayerDigest digest) {
        return layerHome(digest).resolve(METADATA);
    }

    private Path layerHome(LayerDigest digest) {
        String hex = digest.hex();
        return root().resolve(LAYERS).resolve(hex.substring(0, 2)).resolve(hex);
    }

    @Override
    public String toString() {
        return root().toString();
    }
}
