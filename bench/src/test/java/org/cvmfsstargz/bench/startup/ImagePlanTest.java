package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.cvmfsstargz.bench.startup.ImagePlan.Content;
import org.cvmfsstargz.bench.startup.ImagePlan.LayerPlan;
import org.cvmfsstargz.bench.startup.ImagePlan.PlannedFile;
import org.junit.jupiter.api.Test;

class ImagePlanTest {
    private static final ImageSpec DEFAULT = new ImageSpec(5, 40_000, 1024L * 1024 * 1024, 1);

    private static List<PlannedFile> files(ImagePlan plan) {
        return plan.layers().stream().flatMap(l -> l.files().stream()).toList();
    }

    @Test
    void theFilesAddUpToExactlyTheRequestedCountAndBytes() {
        ImagePlan plan = ImagePlan.of(DEFAULT);

        assertThat(plan.layers()).hasSize(5);
        assertThat(plan.files()).isEqualTo(40_000);
        assertThat(plan.bytes()).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void theSameSpecGivesTheSamePlanAndAnotherSeedAnother() {
        assertThat(ImagePlan.of(DEFAULT)).isEqualTo(ImagePlan.of(DEFAULT));
        assertThat(ImagePlan.of(new ImageSpec(5, 40_000, 1024L * 1024 * 1024, 2))).isNotEqualTo(ImagePlan.of(DEFAULT));
    }

    @Test
    void everyLayerGetsASimilarShareOfFilesAndBytes() {
        ImagePlan plan = ImagePlan.of(DEFAULT);

        for (LayerPlan layer : plan.layers()) {
            assertThat(layer.files()).hasSize(8_000);
            assertThat(layer.bytes()).isBetween(plan.bytes() / 5 / 2, plan.bytes() / 5 * 2);
        }
        assertThat(plan.layers()).extracting(LayerPlan::index).containsExactly(1, 2, 3, 4, 5);
    }

    @Test
    void mostFilesAreSmallAndOneInAThousandLargeHoldsAtLeastHalfTheBytes() {
        List<PlannedFile> files = files(ImagePlan.of(DEFAULT));

        List<PlannedFile> large = files.stream().filter(f -> f.path().endsWith(".so")).toList();
        assertThat(large).hasSize(40).allSatisfy(f -> {
            assertThat(f.size()).isGreaterThan(ImagePlan.SMALL_MAX);
            assertThat(f.mode()).isEqualTo(0755);
            assertThat(f.content()).isEqualTo(Content.RANDOM);
        });
        assertThat(large.stream().mapToLong(PlannedFile::size).sum()).isGreaterThanOrEqualTo(DEFAULT.bytes() / 2);
        assertThat(files.stream().filter(f -> !f.path().endsWith(".so")))
                .allSatisfy(f -> assertThat(f.size()).isBetween(ImagePlan.SMALL_MIN, ImagePlan.SMALL_MAX));
    }

    @Test
    void aboutAThirdOfTheSmallFilesAreText() {
        List<PlannedFile> files = files(ImagePlan.of(DEFAULT));

        long text = files.stream().filter(f -> f.content() == Content.TEXT).count();
        assertThat(text).isBetween(12_500L, 14_100L);
        assertThat(files.stream().filter(f -> f.content() == Content.TEXT)).allSatisfy(f ->
                assertThat(f.path()).endsWith(".txt"));
    }

    @Test
    void pathsAreUniqueShortAndAHundredToADirectory() {
        ImagePlan plan = ImagePlan.of(DEFAULT);
        Set<String> paths = new HashSet<>();
        Set<String> dirs = new HashSet<>();

        for (PlannedFile f : files(plan)) {
            assertThat(paths.add(f.path())).as("unique: %s", f.path()).isTrue();
            assertThat(f.path()).hasSizeLessThan(100).startsWith("opt/bench/layer");
            dirs.add(f.path().substring(0, f.path().lastIndexOf('/')));
        }
        assertThat(dirs).hasSize(400);
        assertThat(plan.layers().getFirst().files().getFirst().path()).matches("opt/bench/layer1/d00000/f0000000\\.\\w+");
    }

    @Test
    void smallFilesShrinkWhenTheBytesAreFewSoThatLargeOnesStillGetHalf() {
        ImageSpec tight = new ImageSpec(2, 2_000, 2_000L * ImageSpec.MIN_AVERAGE_FILE_BYTES, 7);

        ImagePlan plan = ImagePlan.of(tight);

        assertThat(plan.files()).isEqualTo(2_000);
        assertThat(plan.bytes()).isEqualTo(tight.bytes());
        assertThat(files(plan)).allSatisfy(f -> assertThat(f.size()).isPositive());
        assertThat(files(plan).stream().filter(f -> f.path().endsWith(".so")).mapToLong(PlannedFile::size).sum())
                .isGreaterThanOrEqualTo(tight.bytes() / 2);
    }

    @Test
    void theSmallestImageIsOneLargeFile() {
        ImagePlan plan = ImagePlan.of(new ImageSpec(1, 1, 64, 1));

        assertThat(files(plan)).singleElement().satisfies(f -> {
            assertThat(f.size()).isEqualTo(64);
            assertThat(f.path()).endsWith(".so");
        });
    }

    @Test
    void aSpecThatCannotBePlannedIsRefusedNamingTheOption() {
        assertThatThrownBy(() -> new ImageSpec(0, 10, 10_000, 1)).hasMessageContaining("--image-layers");
        assertThatThrownBy(() -> new ImageSpec(101, 1000, 1_000_000, 1)).hasMessageContaining("--image-layers");
        assertThatThrownBy(() -> new ImageSpec(5, 4, 10_000, 1)).hasMessageContaining("--image-files");
        assertThatThrownBy(() -> new ImageSpec(1, 1000, 1000 * 64 - 1, 1)).hasMessageContaining("--image-mib");
    }

    @Test
    void theKeyNamesEveryParameterAndTheFormat() {
        assertThat(DEFAULT.key()).isEqualTo("layers=5 files=40000 bytes=1073741824 seed=1 format=" + ImagePlan.FORMAT);
    }
}
