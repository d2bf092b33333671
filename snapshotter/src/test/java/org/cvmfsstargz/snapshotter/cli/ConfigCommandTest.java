package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ConfigCommandTest {
    @TempDir
    Path temp;

    /** What a command returned and printed. */
    private record Run(int exit, String out, String err) {}

    private static Run run(Object command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(command)
                .setOut(new PrintWriter(out, true)).setErr(new PrintWriter(err, true))
                .setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? Main.EXIT_USAGE
                        : Main.EXIT_FAILURE);
        return new Run(cli.execute(args), out.toString(), err.toString());
    }

    /** An empty configuration file: the defaults, whatever this machine has in /etc. */
    private String emptyConfig() throws Exception {
        return Files.writeString(temp.resolve("empty.toml"), "").toString();
    }

    @Test
    void aMissingConfigFileIsAUsageError() {
        Run run = run(new Main(), "config", "containerd", "--containerd-version", "1.6",
                "--config", temp.resolve("absent.toml").toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).contains("absent.toml");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void itPrintsTheSnippetForTheGivenReleaseWithTheSocketOfTheConfigFile() throws Exception {
        Path config = Files.writeString(temp.resolve("config.toml"), """
                [daemon]
                socket = "/run/elsewhere/s.sock"
                """);

        Run run = run(new Main(), "config", "containerd", "--containerd-version", "1.7", "--config", config.toString());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).startsWith("version = 2\n").contains("address = \"/run/elsewhere/s.sock\"");
        assertThat(run.err()).isEmpty();
    }

    @Test
    void theGivenReleaseMayBeAContainerdVersionNumberAndContainerdIsThenNotAsked() throws Exception {
        Run run = run(new ContainerdConfigCommand(temp.resolve("no-containerd").toString()),
                "--containerd-version", "v2.1.4", "--config", emptyConfig());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo(ContainerdSnippet.render(ContainerdRelease.V2, DaemonConfig.defaults()));
    }

    @Test
    void anUnknownReleaseIsAUsageError() {
        Run run = run(new Main(), "config", "containerd", "--containerd-version", "1.5");

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).contains("--containerd-version", "1.6, 1.7 or 2.x");
    }

    @Test
    void configAloneIsAUsageError() {
        Run run = run(new Main(), "config");

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.err()).contains("containerd");
    }

    @Test
    void withoutContainerdAndWithoutAVersionItFailsSayingWhatToGive() throws Exception {
        Run run = run(new ContainerdConfigCommand(temp.resolve("no-containerd").toString()), "--config", emptyConfig());

        assertThat(run.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("cannot run", "--containerd-version");
    }

    @Test
    void theVersionIsAskedFromContainerd() throws Exception {
        Path fake = temp.resolve("containerd");
        Files.writeString(fake, """
                #!/bin/sh
                echo 'containerd github.com/containerd/containerd/v2 v2.1.4 75cb2b7193e4e490e9fbdc236c0e811ccaba3376'
                """);
        assertThat(fake.toFile().setExecutable(true)).isTrue();

        Run run = run(new ContainerdConfigCommand(fake.toString()), "--config", emptyConfig());

        assertThat(run.exit()).isZero();
        assertThat(run.out()).isEqualTo(ContainerdSnippet.render(ContainerdRelease.V2, DaemonConfig.defaults()));
    }

    @Test
    void aContainerdThatPrintsNoVersionIsAFailure() throws Exception {
        Path fake = temp.resolve("containerd");
        Files.writeString(fake, "#!/bin/sh\necho 'containerd: something odd'\n");
        assertThat(fake.toFile().setExecutable(true)).isTrue();

        Run run = run(new ContainerdConfigCommand(fake.toString()), "--config", emptyConfig());

        assertThat(run.exit()).isEqualTo(Main.EXIT_FAILURE);
        assertThat(run.err()).contains("no version number", "containerd: something odd", "--containerd-version");
    }
}
