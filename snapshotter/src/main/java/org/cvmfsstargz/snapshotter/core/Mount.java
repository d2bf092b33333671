package org.cvmfsstargz.snapshotter.core;

import java.util.List;
import java.util.Objects;

/**
 * One mount for containerd (or the shim) to perform, as {@code mount -t type -o options source}.
 *
 * @param type    {@code bind} or {@code overlay}
 * @param source  the directory for a bind mount, {@code overlay} for overlay
 * @param options mount options in the order containerd's overlayfs snapshotter gives them
 */
public record Mount(String type, String source, List<String> options) {
    public Mount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(source, "source");
        options = List.copyOf(options);
    }
}
