package org.cvmfsstargz.it.cvmfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.FsTree;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Image;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ingest --ref} against a real registry (Debian's {@code docker-registry} on 127.0.0.1,
 * plain HTTP because the host is loopback), with the image pushed by {@code skopeo} from an
 * archive: the {@code .layers} tree it writes is the one {@code ingest --image} writes from that
 * archive, entry by entry.
 */
@Timeout(180)
class IngestFromRegistryIT {
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(120);

    @TempDir
    Path tmp;

    @Test
    void ingestingFromARegistryWritesTheSameLayersAsIngestingTheArchivePushedThere() throws Exception {
        try (RegistryProcess registry = RegistryProcess.start(tmp.resolve("registry"))) {
            String name = registry.hostPort() + "/it/x:1";
            Image image = OciImageBuilder.image(name)
                    .layer(new Layer().file("etc/os-release", "ID=it\n").file("etc/gone", "old\n")
                            .dir("data", 0750, 1000, 1000).file("data/a", "a\n").symlink("etc/link", "os-release")
                            .hardlink("etc/hard", "etc/os-release"))
                    .layer(new Layer().whiteout("etc/gone").opaque("data").file("data/b", "b\n")
                            .file("bin/tool", Layer.randomBytes(7, 300_000), 0755))
                    .writeArchive(tmp.resolve("x.tar"));
            push(image, name);

            DaemonProcess.Exit fromRegistry = DaemonProcess.run(COMMAND_TIMEOUT, List.of("ingest", "--ref", name,
                    "--output", tmp.resolve("from-registry").toString()));
            assertThat(fromRegistry.code()).as("ingest --ref output:\n%s\nregistry log:\n%s", fromRegistry.output(),
                    registry.logText()).isZero();
        }
        DaemonProcess.Exit fromArchive = DaemonProcess.run(COMMAND_TIMEOUT, List.of("ingest", "--image",
                tmp.resolve("x.tar").toString(), "--output", tmp.resolve("from-archive").toString()));
        assertThat(fromArchive.code()).as("ingest --image output:\n%s", fromArchive.output()).isZero();

        FsTree expected = FsTree.capture(tmp.resolve("from-archive"));
        FsTree actual = FsTree.capture(tmp.resolve("from-registry"));
        assertThat(withoutIndexes(actual)).isEqualTo(withoutIndexes(expected));
        for (String index : expected.entries().keySet().stream().filter(p -> p.endsWith("/.metadata/whiteouts")).toList()) {
            assertThat(withoutTimes(tmp.resolve("from-registry" + index))).as(index)
                    .isEqualTo(withoutTimes(tmp.resolve("from-archive" + index)));
        }
        assertThat(expected.entries().keySet()).as("both layers were written, content included")
                .filteredOn(p -> p.endsWith("/layerfs/etc/os-release") || p.endsWith("/layerfs/bin/tool")).hasSize(2);
    }

    /** The tree's entries but the whiteout indexes, which record directory times. */
    private static Map<String, FsTree.Entry> withoutIndexes(FsTree tree) {
        Map<String, FsTree.Entry> entries = new TreeMap<>(tree.entries());
        entries.keySet().removeIf(p -> p.endsWith("/.metadata/whiteouts"));
        return entries;
    }

    /**
     * A whiteout index without its directory times and checksum: the time of {@code layerfs}
     * itself, which no tar entry gives, is when the layer was ingested, so two ingests differ there.
     */
    private static String withoutTimes(Path index) throws IOException {
        return Files.readString(index).replaceAll("(?m)^(dir \\S+ \\S+ \\S+) \\S+ \\S+ ", "$1 - - ")
                .replaceAll("(?m)^end .*$", "end");
    }

    /** {@code skopeo copy} of the archive to the registry, over plain HTTP to 127.0.0.1. */
    private void push(Image image, String name) throws IOException, InterruptedException {
        Path log = tmp.resolve("skopeo.log");
        ProcessBuilder builder = new ProcessBuilder("skopeo", "copy", "--quiet", "--dest-tls-verify=false",
                "oci-archive:" + image.archive(), "docker://" + name)
                .redirectErrorStream(true).redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        // skopeo unpacks the archive under TMPDIR; keep that inside the test's directory.
        builder.environment().put("TMPDIR", Files.createDirectories(tmp.resolve("skopeo-tmp")).toString());
        Process skopeo = builder.start();
        if (!skopeo.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            skopeo.destroyForcibly().waitFor();
            throw new IllegalStateException("skopeo copy still running after " + COMMAND_TIMEOUT);
        }
        assertThat(skopeo.exitValue()).as("skopeo copy output:\n%s", Files.readString(log, StandardCharsets.UTF_8))
                .isZero();
    }
}
