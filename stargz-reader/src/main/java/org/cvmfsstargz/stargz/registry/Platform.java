package org.cvmfsstargz.stargz.registry;

import java.util.Objects;

/**
 * An image index entry's platform, as far as choosing a manifest needs it.
 *
 * <p>Immutable and thread-safe.
 *
 * @param os the operating system, e.g. {@code linux}
 * @param architecture the CPU architecture in Go's words, e.g. {@code amd64}
 */
public record Platform(String os, String architecture) {
    /** What this snapshotter runs on. */
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64");

    public Platform {
        Objects.requireNonNull(os, "os");
        Objects.requireNonNull(architecture, "architecture");
    }

    @Override
    public String toString() {
        return os + "/" + architecture;
    }
}
