package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VariantTest {
    @TempDir
    Path tmp;

    private Path jarWithLib() throws IOException {
        Files.createDirectories(tmp.resolve("lib"));
        return Files.createFile(tmp.resolve("daemon.jar"));
    }

    @Test
    void oursRunsTheJarsServeWithTheJvmOptionsAndItsSocketRootAndConfig() throws IOException {
        Path jar = jarWithLib();
        Variant ours = Variant.ours("after", jar, Path.of("/jdk/bin/java"), List.of("-Xmx256m"));

        assertThat(ours.command(Path.of("/s/s.sock"), Path.of("/s/root"), Path.of("/s/c.toml"))).containsExactly(
                "/jdk/bin/java", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-Xmx256m", "-jar", jar.toString(), "serve", "--root", "/s/root", "--socket", "/s/s.sock",
                "--config", "/s/c.toml");
        assertThat(ours.stopSignal()).isEqualTo("TERM");
        assertThat(ours.jar()).contains(jar);
    }

    @Test
    void aJarWithoutItsLibDirectoryIsRefused() throws IOException {
        Path jar = Files.createFile(tmp.resolve("alone.jar"));

        assertThatThrownBy(() -> Variant.ours("old", jar, Path.of("java"), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lib/");
    }

    @Test
    void aReferenceFillsEveryPlaceholderAndStopsOnSigint() {
        Variant ref = Variant.reference("reference", "'/opt/x y/snap' -address {socket} -root {root} -config {config}",
                "no_background_fetch = true\n");

        assertThat(ref.command(Path.of("/d/s.sock"), Path.of("/d/root"), Path.of("/d/config.toml"))).containsExactly(
                "/opt/x y/snap", "-address", "/d/s.sock", "-root", "/d/root", "-config", "/d/config.toml");
        assertThat(ref.stopSignal()).isEqualTo("INT");
        assertThat(ref.referenceConfig()).contains("no_background_fetch = true\n");
    }

    @Test
    void aReferenceCommandMustNameItsSocket() {
        assertThatThrownBy(() -> Variant.reference("reference", "snap -root {root}", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("{socket}");
    }

    @Test
    void aLabelIsAShortWord() {
        assertThatThrownBy(() -> Variant.reference("a b", "snap {socket}", ""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label");
    }
}
