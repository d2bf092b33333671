package org.cvmfsstargz.cvmfs.whiteout;

import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * Owner, mode and modification time of one directory of a layer, copied onto the directories
 * {@link WhiteoutDirs} creates: overlayfs shows a merged directory with the attributes of its
 * topmost layer, so a plain 0755 {@code tmp} above the layer would hide its 1777.
 *
 * <p>Immutable and thread-safe.
 *
 * @param mode permission bits including setuid, setgid and sticky ({@code 07777} at most)
 */
public record DirAttributes(int mode, int uid, int gid, FileTime lastModified) {
    public DirAttributes {
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("directory mode must fit 07777, got 0" + Integer.toOctalString(mode));
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative: " + uid + ":" + gid);
        }
        Objects.requireNonNull(lastModified, "lastModified");
    }
}
