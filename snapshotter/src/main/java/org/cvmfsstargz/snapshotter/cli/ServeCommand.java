package org.cvmfsstargz.snapshotter.cli;

import ch.qos.logback.classic.Level;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.Daemon;
import org.cvmfsstargz.snapshotter.MemoryPlan;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import sun.misc.Signal;

/** {@code serve}: runs the daemon until SIGTERM or SIGINT, then stops gracefully. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve containerd's Snapshots API on a Unix socket.")
public final class ServeCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

    @Option(names = "--config", paramLabel = "FILE",
            description = "Configuration file (default: ${sys:line.separator}  /etc/cvmfs-stargz-snapshotter/config.toml"
                    + " if it exists, else built-in defaults).")
    private Path configFile;

    @Option(names = "--socket", paramLabel = "PATH", description = "Overrides daemon.socket.")
    private Path socket;

    @Option(names = "--root", paramLabel = "DIR", description = "Overrides daemon.root.")
    private Path root;

    @Option(names = "--log-level", paramLabel = "LEVEL", description = "Overrides daemon.log_level.")
    private String logLevel;

    @Override
    public Integer call() throws InterruptedException {
        Config config;
        try {
            config = effectiveConfig();
            MemoryPlan.of(config).requireFits(Runtime.getRuntime().maxMemory());
        } catch (ConfigException e) {
            System.err.println("cvmfs-stargz-snapshotter: configuration error: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME))
                .setLevel(Level.toLevel(config.daemon().logLevel()));
        Daemon daemon;
        try {
            daemon = Daemon.start(config);
        } catch (RuntimeException e) {
            LOG.error("cannot start: {}", e.getMessage());
            LOG.debug("start-up failure", e);
            return Main.EXIT_FAILURE;
        }
        // Handling TERM and INT ourselves (rather than only in a shutdown hook, after which the
        // JVM exits 143) lets a clean stop exit 0. The hook still covers other ways out.
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> Thread.ofPlatform().name("stop-on-SIG" + name)
                    .start(daemon::close));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "shutdown"));
        daemon.awaitTermination();
        daemon.close(); // waits for a stop already under way
        return 0;
    }

    private Config effectiveConfig() {
        Config config = ConfigLoader.load(Optional.ofNullable(configFile));
        DaemonConfig daemon = config.daemon();
        if (socket != null) {
            daemon = daemon.withSocket(socket.toAbsolutePath());
        }
        if (root != null) {
            daemon = daemon.withRoot(root.toAbsolutePath());
        }
        if (logLevel != null) {
            daemon = daemon.withLogLevel(logLevel);
        }
        return config.withDaemon(daemon);
    }
}
