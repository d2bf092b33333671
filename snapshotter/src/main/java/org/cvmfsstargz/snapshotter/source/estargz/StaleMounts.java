package org.cvmfsstargz.snapshotter.source.estargz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eStargz FUSE mounts a daemon that died left under the snapshot root. A FUSE mount lives as
 * long as the process serving it; after a crash or {@code kill -9} its mount point answers
 * "Transport endpoint is not connected" until it is unmounted, and the snapshot directory cannot
 * be mounted again or deleted. The daemon holds the root's lock, so no live process serves any
 * mount under it at start: every one of ours is stale. Stateless.
 */
final class StaleMounts {
    private static final Logger LOG = LoggerFactory.getLogger(StaleMounts.class);
    private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

    private StaleMounts() {}

    /** Detaches (lazily: a running container may still hold one) every mount of {@code fsType} under {@code dir}. */
    static int detachUnder(Path dir, String fsType) {
        int detached = 0;
        for (Path mountpoint : find(MOUNTINFO, dir, fsType)) {
            if (detach(mountpoint)) {
                detached++;
            }
        }
        if (detached > 0) {
            LOG.info("detached stale FUSE mounts count={} under={}", detached, dir);
        }
        return detached;
    }

    /** The mount points of {@code fsType} under {@code dir} that {@code mountinfo} lists, deepest first. */
    static List<Path> find(Path mountinfo, Path dir, String fsType) {
        List<Path> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(mountinfo)) {
                String[] halves = line.split(" - ", 2);
                String[] fields = halves[0].split(" ");
                if (halves.length == 2 && fields.length > 4 && halves[1].split(" ")[0].equals(fsType)) {
                    Path mountpoint = Path.of(unescape(fields[4]));
                    if (mountpoint.startsWith(dir)) {
                        found.add(mountpoint);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}", mountinfo, e.toString());
        }
        found.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return found;
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
    static String unescape(String field) {
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length() && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean detach(Path mountpoint) {
        try {
            Process umount = new ProcessBuilder("umount", "-l", mountpoint.toString()).redirectErrorStream(true).start();
            String output = new String(umount.getInputStream().readAllBytes()).strip();
            if (!umount.waitFor(10, TimeUnit.SECONDS) || umount.exitValue() != 0) {
                LOG.warn("cannot detach stale FUSE mount {}: {}", mountpoint, output);
                return false;
            }
            return true;
        } catch (IOException e) {
            LOG.warn("cannot detach stale FUSE mount {}: {}", mountpoint, e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
