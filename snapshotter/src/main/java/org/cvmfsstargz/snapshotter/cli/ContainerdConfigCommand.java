package org.cvmfsstargz.snapshotter.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.snapshotter.config.Config;
import org.cvmfsstargz.snapshotter.config.ConfigException;
import org.cvmfsstargz.snapshotter.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code config containerd}: prints the lines of containerd's {@code config.toml} that make it
 * use this snapshotter, for the containerd release on this node ({@code containerd --version})
 * or the one given, with the socket and root of the effective configuration.
 */
@Command(name = "containerd", mixinStandardHelpOptions = true,
        description = {"Print the containerd configuration (proxy plugin and CRI settings) that makes"
                + " containerd use this snapshotter, for the containerd installed here or the release given.",
                "Merge it into /etc/containerd/config.toml and restart containerd."})
public final class ContainerdConfigCommand implements Callable<Integer> {
    private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(10);

    @Option(names = "--config", paramLabel = "FILE",
            description = "The snapshotter's configuration file, as for serve (default: "
                    + "/etc/cvmfs-stargz-snapshotter/config.toml if it exists, else built-in defaults).")
    private Path configFile;

    @Option(names = "--containerd-version", paramLabel = "1.6|1.7|2.x", converter = ReleaseConverter.class,
            description = "containerd release to print the configuration for (default: ask `containerd --version`).")
    private ContainerdRelease release;

    @Spec
    private CommandSpec spec;

    private final String containerd;

    public ContainerdConfigCommand() {
        this("containerd");
    }

    /** @param containerd the containerd executable asked for its version (a name looked up in PATH, or a path) */
    ContainerdConfigCommand(String containerd) {
        this.containerd = containerd;
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        Config config;
        try {
            config = ConfigLoader.load(Optional.ofNullable(configFile));
        } catch (ConfigException e) {
            err.println("cvmfs-stargz-snapshotter: configuration error: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        Optional<ContainerdRelease> target = release != null ? Optional.of(release) : detect(err);
        if (target.isEmpty()) {
            return Main.EXIT_FAILURE;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(ContainerdSnippet.render(target.get(), config.daemon()));
        out.flush();
        return 0;
    }

    private Optional<ContainerdRelease> detect(PrintWriter err) throws InterruptedException {
        String fix = "; give --containerd-version 1.6, 1.7 or 2.x";
        String reason;
        try {
            String output = versionOutput();
            Optional<String> version = ContainerdRelease.versionIn(output);
            if (version.isEmpty()) {
                reason = "`" + containerd + " --version` printed no version number: "
                        + output.lines().findFirst().orElse("(nothing)");
            } else {
                Optional<ContainerdRelease> found = ContainerdRelease.of(version.get());
                if (found.isPresent()) {
                    return found;
                }
                reason = "containerd " + version.get() + " is not a release this snapshotter supports (1.6, 1.7, 2.x)";
            }
        } catch (IOException e) {
            reason = e.getMessage();
        }
        err.println("cvmfs-stargz-snapshotter: cannot tell which containerd to configure: " + reason + fix);
        return Optional.empty();
    }

    /** What {@code containerd --version} printed; IOException if it cannot run, fails or hangs. */
    private String versionOutput() throws IOException, InterruptedException {
        String command = "`" + containerd + " --version`";
        Path output = Files.createTempFile("containerd-version", ".out");
        try {
            Process process;
            try {
                process = new ProcessBuilder(containerd, "--version").redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(new File("/dev/null")).start();
            } catch (IOException e) {
                throw new IOException(command + " cannot run (is containerd installed and in PATH?): "
                        + e.getMessage().strip(), e);
            }
            if (!process.waitFor(VERSION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
                throw new IOException(command + " did not finish within " + VERSION_TIMEOUT.toSeconds() + " s");
            }
            String text = Files.readString(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(command + " exited with " + process.exitValue() + ": "
                        + text.lines().findFirst().orElse(""));
            }
            return text;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    /** {@code --containerd-version}: 1.6, 1.7, 2.x or a version number; anything else is a usage error. */
    static final class ReleaseConverter implements ITypeConverter<ContainerdRelease> {
        @Override
        public ContainerdRelease convert(String value) {
            return ContainerdRelease.of(value).orElseThrow(() -> new TypeConversionException(
                    "expected 1.6, 1.7 or 2.x, got '" + value + "'"));
        }
    }
}
