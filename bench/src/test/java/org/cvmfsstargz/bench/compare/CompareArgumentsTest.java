package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareArgumentsTest {
    @TempDir
    Path tmp;
    private Path jar;
    private Path anchors;

    @BeforeEach
    void createJarsAndAnchors() throws IOException {
        Files.createDirectories(tmp.resolve("lib"));
        jar = Files.createFile(tmp.resolve("daemon.jar"));
        anchors = Files.createDirectories(tmp.resolve("anchors"));
    }

    private void anchor(String name) throws IOException {
        Files.createFile(anchors.resolve(name), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));
    }

    private CompareOptions parse(String... more) {
        String[] args = new String[more.length + 6];
        System.arraycopy(new String[] {"--default-jar", jar.toString(), "--anchors", anchors.toString(), "--tmp",
                tmp.toString()}, 0, args, 0, 6);
        System.arraycopy(more, 0, args, 6, more.length);
        return CompareOptions.parse(args);
    }

    @Test
    void withoutAnchorsOursRunsAloneOnEveryImageLinkAndSectionThreeTimesAndTheReportSaysWhy() {
        CompareOptions o = parse();

        assertThat(o.variants()).extracting(Variant::label).containsExactly("ours");
        assertThat(o.cvmfsReference()).isEmpty();
        assertThat(o.notes()).hasSize(2).allSatisfy(n -> assertThat(n).contains("absent"));
        assertThat(o.images()).containsExactly("python", "jdk", "compilers");
        assertThat(o.links()).containsExactly(Link.LOOPBACK, Link.SLOW);
        assertThat(o.sections()).containsExactly(Section.STARTUP, Section.READ, Section.CVMFS);
        assertThat(o.repeat()).isEqualTo(3);
        assertThat(o.latency()).isEqualTo(Duration.ofMillis(20));
        assertThat(o.bitsPerSecond()).isEqualTo(100_000_000L);
        assertThat(o.dropCaches()).isTrue();
        assertThat(o.baseline().label()).isEqualTo("ours");
    }

    @Test
    void theAnchorsBecomeTheReferencesWithTheDefaultConfigurationAndTheBaseline() throws IOException {
        anchor("containerd-stargz-grpc");
        anchor("cvmfs-snapshotter");

        CompareOptions o = parse();

        assertThat(o.variants()).extracting(Variant::label).containsExactly("ours", "reference");
        Variant ref = o.variants().get(1);
        assertThat(ref.template()).containsExactly(anchors.resolve("containerd-stargz-grpc").toString(), "-address",
                "{socket}", "-root", "{root}", "-config", "{config}", "-log-level", "info");
        assertThat(ref.referenceConfig()).contains("no_background_fetch = true\n");
        assertThat(o.baseline()).isEqualTo(ref);
        assertThat(o.cvmfsReference()).hasValueSatisfying(c -> assertThat(c.template().getFirst())
                .endsWith("cvmfs-snapshotter"));
        assertThat(o.notes()).isEmpty();
    }

    @Test
    void jarsWithLabelsAreVariantsInTheirOrderAndTheFirstConvertsTheImages() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("old"));
        Files.createDirectories(other.resolve("lib"));
        Path old = Files.createFile(other.resolve("old.jar"));

        CompareOptions o = parse("--jar", "before=" + old, "--jar", "after=" + jar, "--no-reference",
                "--daemon-java-opts", "-Xmx128m '-Dx=a b'");

        assertThat(o.variants()).extracting(Variant::label).containsExactly("before", "after");
        assertThat(o.firstOurs().jar()).contains(old.toAbsolutePath());
        assertThat(o.variants().get(1).template()).contains("-Xmx128m", "-Dx=a b");
        assertThat(o.notes()).anySatisfy(n -> assertThat(n).contains("--no-reference"));
    }

    @Test
    void everyOtherOptionIsRead() throws IOException {
        Path config = Files.writeString(tmp.resolve("ref.toml"), "");
        CompareOptions o = parse("--reference-cmd", "/x/snap -address {socket}", "--reference-config",
                config.toString(), "--no-cvmfs-reference", "--images", "jdk", "--links", "slow", "--sections",
                "startup,cvmfs", "--repeat", "5", "--latency-ms", "50", "--mbit", "20", "--image-cache",
                tmp.resolve("cache").toString(), "--no-drop-caches", "--json-out", tmp.resolve("o.jsonl").toString());

        assertThat(o.variants().get(1).template()).containsExactly("/x/snap", "-address", "{socket}");
        assertThat(o.variants().get(1).referenceConfig()).contains("");
        assertThat(o.cvmfsReference()).isEmpty();
        assertThat(o.images()).containsExactly("jdk");
        assertThat(o.links()).containsExactly(Link.SLOW);
        assertThat(o.sections()).containsExactly(Section.STARTUP, Section.CVMFS);
        assertThat(o.repeat()).isEqualTo(5);
        assertThat(o.latency()).isEqualTo(Duration.ofMillis(50));
        assertThat(o.bitsPerSecond()).isEqualTo(20_000_000L);
        assertThat(o.imageCache()).isEqualTo(tmp.resolve("cache"));
        assertThat(o.dropCaches()).isFalse();
        assertThat(o.jsonOut()).contains(tmp.resolve("o.jsonl"));
    }

    @Test
    void badValuesAreRefusedNamingTheOption() {
        for (List<String> bad : List.of(List.of("--repeat", "0"), List.of("--repeat", "x"),
                List.of("--images", "rust"), List.of("--links", "lan"), List.of("--sections", "all"),
                List.of("--mbit", "0"), List.of("--frobnicate", "1"), List.of("--repeat"),
                List.of("--jar", "a=" + jar, "--jar", "a=" + jar))) {
            assertThatThrownBy(() -> parse(bad.toArray(String[]::new))).as("%s", bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad.getFirst().substring(2, 5));
        }
    }
}
