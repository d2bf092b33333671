package org.cvmfsstargz.snapshotter.cli;

import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code version}: prints the daemon's version (from the jar manifest). */
@Command(name = "version", description = "Print the version.")
public final class VersionCommand implements Runnable, IVersionProvider {

    static String version() {
        return Optional.ofNullable(Main.class.getPackage().getImplementationVersion()).orElse("development");
    }

    @Override
    public void run() {
        System.out.println("cvmfs-stargz-snapshotter " + version());
    }

    @Override
    public String[] getVersion() {
        return new String[] {"cvmfs-stargz-snapshotter " + version()};
    }
}
