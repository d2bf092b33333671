package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.cvmfsstargz.bench.compare.AptResolver.Deb;
import org.cvmfsstargz.bench.compare.ImageFacts.Conversion;
import org.cvmfsstargz.bench.compare.ImageFacts.LayerFacts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFactsTest {
    @TempDir
    Path tmp;

    @Test
    void storedFactsLoadBackForTheSameKeyOnly() throws IOException {
        ImageFacts facts = new ImageFacts("abc", List.of(new LayerFacts("base", 59, 3714, 87_889_920, 35_193_412),
                new LayerFacts("app", 27, 4547, 74_547_200, 22_223_711)), Duration.ofMillis(73_708), Optional.empty())
                .withConversion(new Conversion(Duration.ofMillis(2873), Duration.ofMillis(50_314),
                        Duration.ofMillis(1079), 81_013_241));

        facts.store(tmp);

        assertThat(ImageFacts.load(tmp, "abc")).contains(facts);
        assertThat(ImageFacts.load(tmp, "other")).isEmpty();
        assertThat(facts.entries()).isEqualTo(3714 + 4547);
        assertThat(facts.gzipBytes()).isEqualTo(35_193_412 + 22_223_711);
    }

    @Test
    void theCacheKeyFollowsEveryPackageVersionAndNothingElse() {
        ImageRecipe recipe = ImageCatalog.recipe("python");
        List<List<Deb>> debs = List.of(List.of(new Deb("libc6", "2.36-9", "amd64")), List.of(), List.of());
        List<List<Deb>> newer = List.of(List.of(new Deb("libc6", "2.36-10", "amd64")), List.of(), List.of());

        assertThat(ImageBuild.key(recipe, debs)).hasSize(12).matches("[0-9a-f]{12}")
                .isEqualTo(ImageBuild.key(recipe, List.copyOf(debs)))
                .isNotEqualTo(ImageBuild.key(recipe, newer));
    }
}
