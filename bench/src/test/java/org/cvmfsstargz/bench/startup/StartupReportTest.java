package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.bench.HostFacts;
import org.cvmfsstargz.bench.startup.BenchImage.Blob;
import org.cvmfsstargz.bench.startup.BenchImage.Layer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StartupReportTest {
    private static final HostFacts HOST = new HostFacts(2, "AMD EPYC", "6.18", "OpenJDK 25", "/dev/vda ext4 1 2 3 4% /",
            "ext4", "/", "1.50");

    @TempDir
    Path tmp;
    private StartupReport report;

    private static String digest(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    private static Sample sample(Variant variant, int round, double firstOutputSeconds, long blobBytes,
            double others) {
        Duration first = Duration.ofMillis(Math.round(firstOutputSeconds * 1000));
        return new Sample(variant, round, first.minusMillis(400), first, first.plusMillis(100), blobBytes,
                blobBytes + 2_000, 12, Optional.of(Duration.ofSeconds(3)), Optional.of(Duration.ofMillis(2500)),
                Optional.of(others), 0);
    }

    @BeforeEach
    void report() throws IOException {
        Path jar = Files.createFile(tmp.resolve("daemon.jar"));
        StartupOptions options = StartupOptions.parse(new String[] {"--jar", jar.toString()});
        BenchImage image = new BenchImage(tmp.resolve("image"), "layers=1 files=1", new Blob(digest('a'), 500),
                new Blob(digest('b'), 300), List.of(new Layer(new Blob(digest('c'), 2_000_000), digest('d'), 2_100_000),
                        new Layer(new Blob(digest('e'), 900_000_000), digest('f'), 1_000_000_000)),
                40_002, 1_000_000_000, "/etc/bench-release", "probe\n");
        List<Sample> samples = new ArrayList<>();
        samples.add(sample(Variant.NORMAL, 1, 40.0, 902_000_300, 0.02));
        samples.add(sample(Variant.CVMFS, 1, 2.0, 300, 0.02));
        samples.add(sample(Variant.CVMFS, 2, 1.0, 300, 0.03));
        samples.add(sample(Variant.NORMAL, 2, 30.0, 902_000_300, 0.25));
        samples.add(sample(Variant.NORMAL, 3, 50.0, 902_000_300, 0.01));
        samples.add(sample(Variant.CVMFS, 3, 1.5, 300, 0.01));
        report = new StartupReport(Instant.parse("2026-11-23T12:00:00Z"), HOST, options,
                new StartupReport.Setup(tmp, Optional.of(Duration.ofSeconds(45)), Duration.ofSeconds(6),
                        Duration.ofSeconds(30), "ingested sha256:...: 2 layers written"), image, samples);
    }

    private String table() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        report.printTable(new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theRatiosAreCvmfsMediansOverNormalMedians() {
        assertThat(report.spread(Variant.NORMAL, StartupReport::firstOutputSeconds)).isEqualTo(new Spread(40, 30, 50));
        assertThat(report.spread(Variant.CVMFS, StartupReport::firstOutputSeconds)).isEqualTo(new Spread(1.5, 1, 2));
        assertThat(report.ratio(StartupReport::firstOutputSeconds)).isEqualTo(1.5 / 40);
        assertThat(report.ratio(StartupReport::blobBytes)).isEqualTo(300.0 / 902_000_300);
    }

    @Test
    void theTableHasARowPerStartUpTheSummaryAndTheResult() {
        String table = table();

        assertThat(table).contains("image    2 layers (busybox + 1 generated), 40,002 files, 1,000,000,000 bytes of"
                + " files; tar 1,002,100,000 bytes, gzip 902,000,000 bytes (0.90 of tar)");
        assertThat(table).contains("normal = ctr images pull --plain-http --snapshotter cvmfs IMAGE; cvmfs ="
                + " ctr-remote image rpull --plain-http --snapshotter cvmfs IMAGE");
        assertThat(table.lines().filter(l -> l.matches("(normal|cvmfs) +[123] .*"))).hasSize(6);
        assertThat(table).containsPattern("normal +40\\.00 +30\\.00 +50\\.00 +902,000,300");
        assertThat(table).containsPattern("cvmfs +1\\.50 +1\\.00 +2\\.00 +300");
        assertThat(table).containsPattern("cvmfs/normal +0\\.038 +3\\.33e-07");
        assertThat(table).contains("26.7 times sooner (1.50 s against 40.00 s), after 3,006,668 times fewer");
        assertThat(table).contains("daemon exit on SIGTERM: 0 in every run");
        assertThat(table).contains("warning  other processes kept more than 10% of the CPUs busy");
    }

    @Test
    void theJsonLineCarriesEveryRunTheSummaryAndTheRatios() {
        String json = report.jsonLine();

        assertThat(json).startsWith("{\"benchmark\":\"cvmfs-startup\",\"format\":1,\"started_at\":\"2026-11-23T12:00:00Z\"");
        assertThat(json).contains("{\"variant\":\"normal\",\"round\":1,\"pull_ms\":39600,\"first_output_ms\":40000,"
                + "\"run_to_first_output_ms\":400,\"exit_ms\":40100,\"registry_blob_bytes\":902000300,"
                + "\"registry_body_bytes\":902002300,\"registry_requests\":12,\"machine_cpu_s\":3,"
                + "\"our_cpu_s\":2.5,\"others_cpu_share\":0.02,\"daemon_exit\":0}");
        assertThat(json).contains("\"normal\":{\"first_output_ms\":{\"median\":40000,\"min\":30000,\"max\":50000}");
        assertThat(json).contains("\"cvmfs_to_normal\":{\"first_output\":0.0375,"
                + "\"registry_blob_bytes\":0.000000332594}");
        assertThat(json).contains("\"image\":{\"layers\":2,\"files\":40002");
        assertThat(json).contains("\"baseline_snapshotter\":\"cvmfs\"");
        assertThat(json).doesNotContain("\n");
    }
}
