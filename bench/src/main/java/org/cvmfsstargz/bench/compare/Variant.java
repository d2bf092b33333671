package org.cvmfsstargz.bench.compare;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.it.support.DaemonProcess;
import java.util.regex.Pattern;

/**
 * One snapshotter the benchmark measures: ours from a daemon jar, or a reference snapshotter
 * started by any command. The command is a template whose arguments may hold {@value #SOCKET},
 * {@value #ROOT} and {@value #CONFIG}, filled in for each cold start. Immutable.
 *
 * @param label           the name in tables and JSON ({@code ours}, {@code before}, {@code reference}...)
 * @param kind            ours or a reference
 * @param template        the command, placeholders unfilled
 * @param jar             ours only: the daemon jar (its {@code lib/} beside it)
 * @param referenceConfig a reference only: the text of its configuration file; ours gets a
 *                        configuration from the section that starts it
 */
record Variant(String label, Kind kind, List<String> template, Optional<Path> jar, Optional<String> referenceConfig) {
    static final String SOCKET = "{socket}";
    static final String ROOT = "{root}";
    static final String CONFIG = "{config}";
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,23}");

    /** Ours (stopped with SIGTERM, configured by the section) or a reference (SIGINT, its own configuration). */
    enum Kind {
        OURS,
        REFERENCE
    }

    Variant {
        if (!LABEL.matcher(label).matches()) {
            throw new IllegalArgumentException("a variant label is 1 to 24 letters, digits, '.', '_' or '-', got \""
                    + label + "\"");
        }
        template = List.copyOf(template);
        if (template.isEmpty()) {
            throw new IllegalArgumentException("the command of " + label + " is empty");
        }
        if (kind == Kind.OURS && (jar.isEmpty() || referenceConfig.isPresent())) {
            throw new IllegalArgumentException("ours has a jar and no reference configuration");
        }
        if (kind == Kind.REFERENCE && (jar.isPresent() || referenceConfig.isEmpty())) {
            throw new IllegalArgumentException("a reference has a configuration and no jar");
        }
    }

    /**
     * Ours, started as its launcher starts it: {@code java} with the {@code jvm.options} and AOT
     * cache beside the jar when that build has them (an older build: the two flags every build
     * needs), {@code jvmOptions}, then {@code -jar JAR serve --root --socket --config}.
     */
    static Variant ours(String label, Path jar, Path java, List<String> jvmOptions) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("--jar " + label + "=" + jar + ": no such file (build it with"
                    + " `mvn -DskipTests package -pl bench -am`, or copy the jar with its lib/ directory)");
        }
        if (!Files.isDirectory(jar.toAbsolutePath().resolveSibling("lib"))) {
            throw new IllegalArgumentException("--jar " + label + "=" + jar + ": no lib/ directory beside it; copy"
                    + " the jar together with snapshotter/target/lib");
        }
        List<String> launcher = DaemonProcess.javaCommand(java, jar);
        List<String> command = new ArrayList<>(launcher.subList(0, launcher.size() - 2)); // up to -jar JAR
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toAbsolutePath().toString(), "serve", "--root", ROOT, "--socket", SOCKET,
                "--config", CONFIG));
        return new Variant(label, Kind.OURS, command, Optional.of(jar.toAbsolutePath()), Optional.empty());
    }

    /** A reference started by {@code commandLine} (split as a shell would, without expansions). */
    static Variant reference(String label, String commandLine, String config) {
        List<String> command = CommandLine.split(commandLine);
        if (command.stream().noneMatch(a -> a.contains(SOCKET))) {
            throw new IllegalArgumentException("the reference command must name its socket with " + SOCKET + ": "
                    + commandLine);
        }
        return new Variant(label, Kind.REFERENCE, command, Optional.empty(), Optional.of(config));
    }

    boolean ours() {
        return kind == Kind.OURS;
    }

    /** The command with its placeholders filled in. */
    List<String> command(Path socket, Path root, Path config) {
        return template.stream().map(a -> a.replace(SOCKET, socket.toString()).replace(ROOT, root.toString())
                .replace(CONFIG, config.toString())).toList();
    }

    /**
     * The signal that stops it cleanly: SIGTERM for ours; SIGINT for a reference, on which the
     * Go snapshotters unmount their FUSE layers (on SIGTERM they leave them for a restore).
     */
    String stopSignal() {
        return ours() ? "TERM" : "INT";
    }
}
