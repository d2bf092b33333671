package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cvmfsstargz.bench.compare.Summary.Ratio;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompareReportTest {
    @TempDir
    Path tmp;

    private Variant ours(String label) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(label));
        Files.createDirectories(dir.resolve("lib"));
        return Variant.ours(label, Files.createFile(dir.resolve("d.jar")), Path.of("java"), List.of());
    }

    @Test
    void everyVariantIsSetAgainstTheReferenceAndALaterBuildAgainstTheFirstToo() throws IOException {
        Variant before = ours("before");
        Variant after = ours("after");
        Variant reference = Variant.reference("reference", "snap {socket}", "");

        assertThat(CompareReport.ratios(List.of(before, after, reference), reference)).containsExactly(
                new Ratio("before", "reference"), new Ratio("after", "reference"), new Ratio("after", "before"));
    }

    @Test
    void withoutAReferenceTheFirstBuildIsTheBaselineOnce() throws IOException {
        Variant before = ours("before");
        Variant after = ours("after");

        assertThat(CompareReport.ratios(List.of(before, after), before)).containsExactly(new Ratio("after", "before"));
        assertThat(CompareReport.ratios(List.of(before), before)).isEmpty();
    }
}
