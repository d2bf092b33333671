package org.cvmfsstargz.snapshotter.cli;

import ch.qos.logback.classic.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.core.dirs.LocalTree;
import org.cvmfsstargz.snapshotter.training.TrainingRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aot-training}: the workload the build runs once, under {@code -XX:AOTCacheOutput}, to
 * make the AOT cache the launcher starts the daemon with. Not for users: hidden from the help.
 */
@Command(name = "aot-training", hidden = true, mixinStandardHelpOptions = true,
        description = "Run the training workload of the daemon's AOT cache (used by the build).")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--work", paramLabel = "DIR", required = true,
            description = "Directory for the run's root, socket and layers (created, and deleted after the run).")
    private Path work;

    @Option(names = "--jdk-marker", paramLabel = "FILE",
            description = "Write this JDK's runtime version to FILE: the launcher uses the AOT cache only with the"
                    + " JDK it was made by.")
    private Path jdkMarker;

    @Override
    public Integer call() throws Exception {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        TrainingRun.Summary summary = TrainingRun.run(work.toAbsolutePath());
        LocalTree.delete(work);
        if (jdkMarker != null) {
            Files.writeString(jdkMarker, System.getProperty("java.runtime.version") + "\n");
        }
        System.err.printf("aot-training: %d rounds in %d ms; cvmfs layer %s, eStargz layer %s, %d files (%d bytes)"
                + " read through FUSE%n", summary.rounds(), summary.millis(),
                summary.cvmfsClaimed() ? "served" : "pulled", summary.estargzClaimed() ? "mounted" : "pulled",
                summary.filesRead(), summary.bytesRead());
        return 0;
    }
}
