package org.cvmfsstargz.snapshotter.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import org.cvmfsstargz.snapshotter.diagnose.CheckResult;
import org.cvmfsstargz.snapshotter.diagnose.NodeCheck;
import org.cvmfsstargz.stargz.fuse.LayerMount;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code check}: diagnoses the node, one line per check ({@code ok}, {@code warn} or
 * {@code FAIL}, what, and how to fix a failure). Exit 0 when nothing failed, 1 when something did,
 * 2 for a usage or configuration error. Progress goes to the terminal only.
 */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = {"Diagnose this node: containerd's configuration, the daemon's socket, FUSE, overlayfs,"
                + " the CVMFS repositories and the registries, one line per check.",
                "Exit 0 when nothing failed, 1 when a check failed, 2 for a usage or configuration error."})
public final class CheckCommand implements Callable<Integer> {
    @Option(names = "--config", paramLabel = "FILE",
            description = "The snapshotter's configuration file, as for serve (default: "
                    + "/etc/cvmfs-stargz-snapshotter/config.toml if it exists, else built-in defaults).")
    private Path configFile;

    @Option(names = "--containerd-config", paramLabel = "FILE",
            description = "containerd's configuration (default: /etc/containerd/config.toml).")
    private Path containerdConfig;

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (containerdConfig != null && !Files.isRegularFile(containerdConfig)) {
            err.println("cvmfs-stargz-snapshotter check: --containerd-config " + containerdConfig + ": no such file");
            return Main.EXIT_USAGE;
        }
        Config config;
        String source = Optional.ofNullable(configFile).map(Path::toString)
                .orElse(Files.isRegularFile(ConfigLoader.DEFAULT_FILE) ? ConfigLoader.DEFAULT_FILE.toString()
                        : "built-in defaults (no " + ConfigLoader.DEFAULT_FILE + ")");
        try {
            config = ConfigLoader.load(Optional.ofNullable(configFile));
        } catch (ConfigException e) {
            out.println(CheckResult.fail("configuration", e.getMessage(), "correct the key named; docs/configuration.md"
                    + " lists every key").line());
            out.flush();
            return Main.EXIT_USAGE;
        }
        out.println(CheckResult.ok("configuration", "loaded " + source).line());
        NodeCheck.Options options = new NodeCheck.Options(
                Optional.ofNullable(containerdConfig).orElse(NodeCheck.CONTAINERD_CONFIG),
                ContainerdSnippet.SNAPSHOTTER, LayerMount.MOUNT_TIMEOUT.plus(Duration.ofSeconds(5)));
        List<CheckResult> results = NodeCheck.run(config, options, listener(out));
        out.flush();
        return NodeCheck.failed(results) ? Main.EXIT_FAILURE : 0;
    }

    /** Prints each result as it comes; on a terminal, also what is being checked, overwritten by its result. */
    private static NodeCheck.Listener listener(PrintWriter out) {
        boolean terminal = System.console() != null;
        return new NodeCheck.Listener() {
            @Override
            public void checking(String what) {
                if (terminal) {
                    out.print("...  checking " + what + "\r");
                    out.flush();
                }
            }

            @Override
            public void result(CheckResult result) {
                out.println((terminal ? "\033[2K" : "") + result.line());
                out.flush();
            }
        };
    }
}
