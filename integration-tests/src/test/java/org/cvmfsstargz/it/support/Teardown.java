package org.cvmfsstargz.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;

/**
 * Stops what an end-to-end test started, in the order that leaves nothing behind: containerd
 * first (deleting its containers calls the daemon), then the daemon (which must exit 0 on
 * SIGTERM), then the registry; finally anything still mounted under the test directory, before
 * JUnit's deletion of it could descend into a mount. Any argument may be null (set-up failed).
 */
public final class Teardown {
    private Teardown() {}

    public static void stop(Path tmp, ContainerdProcess containerd, DaemonProcess daemon, RegistryProcess registry) {
        try (RegistryProcess r = registry; DaemonProcess d = daemon) {
            if (containerd != null) {
                containerd.close();
            }
            if (d != null && d.process().isAlive()) {
                assertThat(d.stop()).as("daemon exit code after SIGTERM\n%s", d.logText()).isZero();
            }
        } finally {
            ContainerdProcess.unmountUnder(tmp);
        }
    }
}
