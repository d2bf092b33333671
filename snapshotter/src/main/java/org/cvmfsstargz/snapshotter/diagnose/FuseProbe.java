package org.cvmfsstargz.snapshotter.diagnose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.cvmfsstargz.snapshotter.source.estargz.SyntheticToc;
import org.cvmfsstargz.stargz.format.CorruptLayerException;
import org.cvmfsstargz.stargz.format.Toc;
import org.cvmfsstargz.stargz.fuse.LayerFilesystem;
import org.cvmfsstargz.stargz.fuse.LayerMount;

/**
 * Whether this process can serve a FUSE filesystem: mounts an empty read-only layer (the daemon's
 * own {@link LayerMount}, so libfuse, {@code /dev/fuse} and the mount permission are all
 * exercised) on a fresh directory under {@code parent}, lists it, and unmounts it, within a
 * deadline. Stateless.
 */
final class FuseProbe {
    static final String WHAT = "fuse";
    private static final String FIX = "load the fuse module (modprobe fuse) and make /dev/fuse the character device"
            + " 10,229 (in a container: --device /dev/fuse and CAP_SYS_ADMIN); libfuse2 must be installed";

    private FuseProbe() {}

    static CheckResult run(Path parent, Duration deadline) {
        Path mountpoint = null;
        try {
            mountpoint = Files.createTempDirectory(parent, "check-fuse-");
            Toc toc = SyntheticToc.empty();
            LayerFilesystem filesystem = new LayerFilesystem(toc.digest(), toc, (file, offset, dst, length) -> 0);
            try (LayerMount mount = LayerMount.mount(mountpoint, filesystem, deadline)) {
                try (var entries = Files.list(mount.mountpoint())) {
                    long count = entries.count();
                    if (count != 0) {
                        return CheckResult.fail(WHAT, "an empty FUSE layer mounted on " + mountpoint + " shows "
                                + count + " entries", FIX);
                    }
                }
            }
            return CheckResult.ok(WHAT, "mounted, read and unmounted an empty read-only FUSE layer");
        } catch (IOException | CorruptLayerException | RuntimeException | LinkageError e) {
            return CheckResult.fail(WHAT, "cannot mount a FUSE filesystem: " + e.getMessage() + devFuse(), FIX);
        } finally {
            if (mountpoint != null) {
                try {
                    Files.deleteIfExists(mountpoint);
                } catch (IOException e) {
                    // Left mounted after a failed unmount: the message above says why; nothing more to do.
                }
            }
        }
    }

    /** What is wrong with {@code /dev/fuse} itself, if something visibly is. */
    private static String devFuse() {
        Path dev = Path.of("/dev/fuse");
        try {
            int mode = (Integer) Files.getAttribute(dev, "unix:mode");
            return (mode & 0170000) == 0020000 ? "" : " (/dev/fuse is not a character device)";
        } catch (IOException | UnsupportedOperationException e) {
            return " (/dev/fuse: " + e.getMessage() + ")";
        }
    }
}
