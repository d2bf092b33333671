package org.cvmfsstargz.snapshotter.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code config}: the parent of commands that print configuration; alone, a usage error. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = "Print configuration for other programs on this node.",
        subcommands = {ContainerdConfigCommand.class})
public final class ConfigCommand implements Runnable {
    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing required subcommand: containerd");
    }
}
