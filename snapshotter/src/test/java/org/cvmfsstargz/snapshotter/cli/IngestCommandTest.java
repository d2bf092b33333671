package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestCommandTest {
    @TempDir
    Path temp;

    @Test
    void anUnknownOptionOfServeIsAUsageError() {
        assertThat(Main.run("serve", "--no-such-option")).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void missingOptionsAreAUsageError() {
        assertThat(Main.run("ingest", "--output", temp.toString())).isEqualTo(Main.EXIT_USAGE);
    }

    @Test
    void anUnreadableImageIsAFailure() {
        assertThat(Main.run("ingest", "--image", temp.resolve("nope").toString(), "--output", temp.toString()))
                .isEqualTo(Main.EXIT_FAILURE);
    }

    @Test
    void anEmptyImageIndexIsAFailureAndWritesNoLayers() throws Exception {
        Path image = Files.createDirectories(temp.resolve("image"));
        Files.writeString(image.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[]}");

        assertThat(Main.run("ingest", "--image", image.toString(), "--output", temp.resolve("out").toString()))
                .isEqualTo(Main.EXIT_FAILURE);
        assertThat(temp.resolve("out")).doesNotExist();
    }

    /** What {@code Main.run(args)} returned and printed to stderr. */
    private record Run(int exit, String stderr) {}

    private static Run run(String... args) {
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            return new Run(Main.run(args), captured.toString(StandardCharsets.UTF_8));
        } finally {
            System.setErr(saved);
        }
    }

    @Test
    void bothImageAndRefIsAUsageErrorSayingTheyExcludeEachOther() {
        Run run = run("ingest", "--image", temp.toString(), "--ref", "127.0.0.1:5000/it/x:1",
                "--output", temp.resolve("out").toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("--image", "--ref", "mutually exclusive");
        assertThat(temp.resolve("out")).doesNotExist();
    }

    @Test
    void neitherImageNorRefIsAUsageErrorNamingBoth() {
        Run run = run("ingest", "--output", temp.toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("Missing required argument", "--image", "--ref");
    }

    @Test
    void aMalformedReferenceIsAUsageErrorNamingTheFault() {
        Run run = run("ingest", "--ref", "127.0.0.1:5000/It/x:1", "--output", temp.toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("--ref", "upper-case");
    }

    @Test
    void insecureRegistryWithImageIsAUsageError() {
        Run run = run("ingest", "--image", temp.toString(), "--insecure-registry", "registry.lan:5000",
                "--output", temp.toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("--insecure-registry applies only to --ref");
    }

    @Test
    void withRefTheConfigurationsRegistrySectionIsReadAndAMalformedDockerConfigIsAUsageErrorNamingIt()
            throws Exception {
        Path docker = Files.writeString(temp.resolve("docker.json"), "{\"auths\": {\"r\": {\"auth\": \"c2Vj\"");
        Path config = Files.writeString(temp.resolve("config.toml"), "[registry]\ndocker_config = \"" + docker
                + "\"\n");

        Run run = run("ingest", "--ref", "registry.lan:5000/x:1", "--config", config.toString(),
                "--output", temp.resolve("out").toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("registry.docker_config").contains(docker.toString())
                .contains("not valid JSON").doesNotContain("c2Vj");
        assertThat(temp.resolve("out")).doesNotExist();
    }

    @Test
    void aMalformedInsecureRegistryIsAUsageError() {
        Run run = run("ingest", "--ref", "registry.lan:5000/x:1", "--insecure-registry", "http://registry.lan:5000",
                "--output", temp.toString());

        assertThat(run.exit()).isEqualTo(Main.EXIT_USAGE);
        assertThat(run.stderr()).contains("HOST:PORT");
    }
}
