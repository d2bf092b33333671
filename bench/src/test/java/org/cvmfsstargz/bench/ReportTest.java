package org.cvmfsstargz.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {
    private static final CpuClock.Reading NO_CPU = new CpuClock.Reading(Optional.empty(), Optional.empty(),
            Optional.empty());

    @TempDir
    Path tmp;

    private static Measurement run(String workload, int clients, long p50Micros, double seconds, long ops) {
        long[] latencies = new long[(int) ops];
        java.util.Arrays.fill(latencies, p50Micros * 1000);
        return Measurement.of(workload, clients, latencies, 0, Optional.empty(),
                Duration.ofNanos((long) (seconds * 1e9)), NO_CPU);
    }

    private Report report(List<Measurement> results) throws IOException {
        Path jar = Files.createFile(tmp.resolve("d.jar"));
        BenchOptions options = BenchOptions.parse(new String[] {"--jar", jar.toString()});
        HostFacts host = new HostFacts(2, "AMD \"EPYC\"", "6.1", "OpenJDK 25", "/dev/vda ext4 1 2 3 4% /", "ext4", "/",
                "0.10");
        Report.Daemon daemon = new Report.Daemon(42, "/tmp/apibench-1/root", Duration.ofMillis(900), 0, 0,
                new DaemonLauncher.Stopped(143, Duration.ofMillis(80)), List.of());
        return new Report(Instant.parse("2025-01-01T00:00:00Z"), host, options, daemon, results);
    }

    @Test
    void aCycleIsComparedWithTheStatRunJustBeforeItWithAsManyClients() throws IOException {
        Measurement stat1 = run("stat-miss", 1, 100, 1, 1000);
        Measurement cycle1 = run("cycle", 1, 800, 1, 100);
        Measurement stat8 = run("stat-miss", 8, 200, 1, 4000);
        Measurement cycle8 = run("cycle", 8, 3000, 1, 200);
        Report report = report(List.of(stat1, cycle1, stat8, cycle8));

        assertThat(report.baselineOf(cycle1)).containsSame(stat1);
        assertThat(report.baselineOf(cycle8)).containsSame(stat8);
        assertThat(report.baselineOf(stat8)).isEmpty();
        assertThat(report.jsonLine())
                .contains("\"workload\":\"cycle\",\"clients\":1,\"ops\":100")
                .contains("\"p50_x_base\":8,\"p99_x_base\":8,\"base_ops_per_op\":10}")
                .contains("\"p50_x_base\":15,\"p99_x_base\":15,\"base_ops_per_op\":20}");
    }

    @Test
    void theJsonIsOneLineWithItsStringsEscaped() throws IOException {
        String json = report(List.of(run("stat-miss", 1, 100, 1, 10))).jsonLine();

        assertThat(json).doesNotContain("\n").startsWith("{\"benchmark\":\"snapshots-api\"").endsWith("}");
        assertThat(json).contains("\"cpu\":\"AMD \\\"EPYC\\\"\"").contains("\"root_fs\":\"ext4\"")
                .contains("\"clients\":[1,8]");
    }

    @Test
    void theTableHasARowPerRunAndTheRatiosOfCycles() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        report(List.of(run("stat-miss", 1, 100, 1, 1000), run("cycle", 1, 800, 1, 100)))
                .printTable(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        String table = bytes.toString(StandardCharsets.UTF_8);

        assertThat(table).contains("root /tmp/apibench-1/root on ext4 (mounted on /)").contains("nproc=2");
        assertThat(table.lines().filter(l -> l.startsWith("cycle")).findFirst().orElseThrow())
                .matches("cycle\\s+1\\s+100\\.0\\s+800\\.0\\s+800\\.0\\s+800\\.0\\s+0\\s+-\\s+-\\s+-"
                        + "\\s+8\\.00\\s+8\\.00\\s+10\\.00");
        assertThat(table).doesNotContain("warning");
    }
}
