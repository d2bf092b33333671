package org.cvmfsstargz.cvmfs.probe;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Objects;
import org.cvmfsstargz.cvmfs.resolve.LayerDigest;
import org.cvmfsstargz.cvmfs.resolve.Repository;

/**
 * Asks a CVMFS repository whether it publishes a layer, by stat-ing
 * {@link Repository#layerDir(LayerDigest)} (following symbolic links, as a bind or overlay mount
 * of it would). Only ENOENT on a healthy repository means "not published": CVMFS answers EIO
 * when it cannot load a catalog and may hang when its FUSE process is wedged (reference
 * cvmfs.md §4.4), and an unmounted autofs repository also looks like ENOENT, which is why the
 * root is checked before saying "not published". Every stat goes through {@link DeadlineCalls}.
 *
 * <p>Thread-safe. Holds no resources to close.
 */
public final class RepositoryProbe {
    /** Reads the attributes of one path; the seam tests use to simulate EIO or a hang. */
    @FunctionalInterface
    public interface AttributeReader {
        BasicFileAttributes read(Path path) throws IOException;
    }

    private final DeadlineCalls calls;
    private final AttributeReader reader;

    /** A probe with its own hang state, reading attributes with {@link Files#readAttributes}. */
    public RepositoryProbe(Duration deadline) {
        this(new DeadlineCalls(deadline), path -> Files.readAttributes(path, BasicFileAttributes.class));
    }

    public RepositoryProbe(DeadlineCalls calls, AttributeReader reader) {
        this.calls = Objects.requireNonNull(calls, "calls");
        this.reader = Objects.requireNonNull(reader, "reader");
    }

    /** Says whether {@code repository} publishes {@code digest}; never throws for I/O trouble. */
    public ProbeResult probe(Repository repository, LayerDigest digest) {
        Path layerDir = repository.layerDir(digest);
        try {
            BasicFileAttributes attributes = calls.call(repository, layerDir, () -> reader.read(layerDir));
            if (attributes.isDirectory()) {
                return new ProbeResult.Published(layerDir);
            }
            return new ProbeResult.NotPublished(layerDir + " exists but is not a directory");
        } catch (NoSuchFileException e) {
            return switch (health(repository)) {
                case RepositoryHealth.Healthy h -> new ProbeResult.NotPublished(
                        "layer " + digest + " is not published in " + repository + " (no " + layerDir + ")");
                case RepositoryHealth.Unavailable u -> new ProbeResult.Unavailable(u.reason());
            };
        } catch (IOException e) {
            return new ProbeResult.Unavailable(describe(repository, layerDir, e));
        }
    }

    /** Stats the repository root with the deadline. */
    public RepositoryHealth health(Repository repository) {
        Path root = repository.root();
        try {
            BasicFileAttributes attributes = calls.call(repository, root, () -> reader.read(root));
            if (attributes.isDirectory()) {
                return new RepositoryHealth.Healthy();
            }
            return new RepositoryHealth.Unavailable("repository root " + root + " is not a directory");
        } catch (NoSuchFileException e) {
            return new RepositoryHealth.Unavailable("repository root " + root
                    + " does not exist; is the repository mounted (cvmfs_config probe "
                    + repository.name() + ")?");
        } catch (IOException e) {
            return new RepositoryHealth.Unavailable(describe(repository, root, e));
        }
    }

    private static String describe(Repository repository, Path path, IOException e) {
        return switch (e) {
            case RepositoryHungException hung -> hung.getMessage();
            case FileSystemException fs -> "repository " + repository + ": " + path + ": "
                    + Objects.requireNonNullElse(fs.getReason(), e.getClass().getSimpleName());
            default -> "repository " + repository + ": " + path + ": " + e;
        };
    }
}
