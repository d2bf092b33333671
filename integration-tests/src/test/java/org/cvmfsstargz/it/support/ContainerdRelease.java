package org.cvmfsstargz.it.support;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The containerd releases the integration tests run on: Debian 12's 1.6 from the system, and 1.7
 * (Debian trixie) and 2.1 (Debian sid) that {@code scripts/install-test-deps} unpacks under
 * {@value #DEFAULT_RELEASES_DIR} (or the {@code containerd.releases.dir} system property). Each
 * release's {@code containerd}, {@code ctr} and {@code containerd-shim-runc-v2} are used together:
 * containerd finds the shim on its PATH, which puts the release's directory first.
 */
public enum ContainerdRelease {
    V1_6("1.6", 2),
    V1_7("1.7", 2),
    V2_1("2.1", 3);

    static final String DEFAULT_RELEASES_DIR = "/var/cache/cvmfs-stargz-test";

    private final String label;
    private final int configVersion;

    ContainerdRelease(String label, int configVersion) {
        this.label = label;
        this.configVersion = configVersion;
    }

    /** {@code 1.6}, {@code 1.7} or {@code 2.1}. */
    public String label() {
        return label;
    }

    /** The {@code version} of the config file layout: 2 for 1.x, 3 for 2.x. */
    public int configVersion() {
        return configVersion;
    }

    /** From 2.0, {@code ctr image pull} goes through the transfer service, which labels layers for us. */
    public boolean pullsThroughTransferService() {
        return configVersion >= 3;
    }

    /** Where this release's binaries are; the system's for 1.6. */
    public Path binDir() {
        if (this == V1_6) {
            return Path.of("/usr/bin");
        }
        return Path.of(System.getProperty("containerd.releases.dir", DEFAULT_RELEASES_DIR))
                .resolve("containerd-" + label).resolve("bin");
    }

    /**
     * This release's {@code binary}; fails, rather than skipping the test, when it is not
     * installed, since a suite that skipped a release would pass without having tested it.
     */
    public Path binary(String binary) {
        Path path = binDir().resolve(binary);
        if (!Files.isExecutable(path)) {
            throw new IllegalStateException("containerd " + label + " has no " + path
                    + "; run scripts/install-test-deps (as root) to fetch it");
        }
        return path;
    }

    @Override
    public String toString() {
        return "containerd " + label;
    }
}
