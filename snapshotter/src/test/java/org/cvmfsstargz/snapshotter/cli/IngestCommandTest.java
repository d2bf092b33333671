package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
}
