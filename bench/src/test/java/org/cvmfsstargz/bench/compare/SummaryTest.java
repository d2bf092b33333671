package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cvmfsstargz.bench.compare.Summary.Metric;
import org.cvmfsstargz.bench.compare.Summary.Ratio;
import org.junit.jupiter.api.Test;

class SummaryTest {
    private record S(String group, String variant, double seconds, double bytes) {}

    private static final Summary<S> SUMMARY = new Summary<>(List.of(
            new Metric<S>("time s", "time_s", S::seconds, 2), new Metric<S>("bytes", "bytes", S::bytes, 0)),
            S::group, S::variant);

    private static final List<S> SAMPLES = List.of(
            new S("python", "ours", 3, 100), new S("python", "ours", 1, 300), new S("python", "ours", 2, 200),
            new S("python", "ref", 1, 0), new S("python", "ref", 1, 0), new S("jdk", "ours", 5, 10));

    @Test
    void theRatioIsTheVariantsMedianOverTheBaselinesAndUndefinedForAZeroBaseline() {
        String json = SUMMARY.json(SAMPLES, List.of("ours", "ref"), List.of(new Ratio("ours", "ref"))).toString();

        assertThat(json).contains("\"python\":{\"ours\":{\"time_s\":{\"median\":2,\"min\":1,\"max\":3}")
                .contains("\"ratios\":{\"ours/ref\":{\"time_s\":2,\"bytes\":null}}")
                .contains("\"jdk\":{\"ours\":{\"time_s\":{\"median\":5,\"min\":5,\"max\":5},"
                        + "\"bytes\":{\"median\":10,\"min\":10,\"max\":10}},\"ratios\":{}}");
    }

    @Test
    void theTableGivesTheFirstFiguresSpreadAndARowOfRatiosPerGroup() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        SUMMARY.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), SAMPLES, List.of("ours", "ref"),
                List.of(new Ratio("ours", "ref")));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines.get(1)).startsWith("python").contains("ours").contains("1.00<2.00<3.00").endsWith("200");
        assertThat(lines.get(2)).contains("ref").contains("1.00<1.00<1.00").endsWith(" 0");
        assertThat(lines.get(3)).contains("ours/ref").contains("2.00x").endsWith("-");
        assertThat(lines.get(4)).startsWith("jdk").contains("5.00");
        assertThat(lines).hasSize(5);
    }
}
