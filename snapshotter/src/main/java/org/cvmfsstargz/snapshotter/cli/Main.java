package org.cvmfsstargz.snapshotter.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cvmfs-stargz-snapshotter}: the command line. Exit codes: 0 success, 1 runtime failure
 * (e.g. the socket or root is in use, the database is unusable), 2 usage or configuration error.
 */
@Command(name = "cvmfs-stargz-snapshotter",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.class,
        description = "A containerd snapshotter for CVMFS and eStargz layers.",
        subcommands = {ServeCommand.class, IngestCommand.class, InspectCommand.class, CheckCommand.class,
                ConfigCommand.class, VersionCommand.class, TrainCommand.class})
public final class Main implements Runnable {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        return new CommandLine(new Main())
                .setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? EXIT_USAGE
                        : EXIT_FAILURE)
                .execute(args);
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.err);
    }
}
