package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.regex.Matcher;
import org.cvmfsstargz.bench.compare.ImageRecipe.LayerRecipe;
import org.junit.jupiter.api.Test;

class ImageCatalogTest {
    @Test
    void theThreeImagesShareOneBaseLayerAndTheJdkHasSix() {
        assertThat(ImageCatalog.names()).containsExactly("python", "jdk", "compilers");
        LayerRecipe base = ImageCatalog.recipe("python").layers().getFirst();
        for (String name : ImageCatalog.names()) {
            assertThat(ImageCatalog.recipe(name).layers().getFirst()).isEqualTo(base);
        }
        assertThat(ImageCatalog.recipe(ImageCatalog.JDK).layers()).hasSize(6);
        assertThat(base.files()).containsKey("etc/passwd");
    }

    @Test
    void eachWorkloadAcceptsWhatItsProgramPrintsAndNothingElse() {
        assertThat(matches("python", "ready 3.11.2")).isTrue();
        assertThat(matches("jdk", "openjdk version \"17.0.21\" 2025-10-21\nOpenJDK Runtime Environment (build"
                + " 17.0.21+1-Debian-1deb12u1)\nOpenJDK 64-Bit Server VM (build 17.0.21+1, mixed mode, sharing)")).isTrue();
        assertThat(matches("compilers", "hello, numpy 1.24.2")).isTrue();
        assertThat(matches("python", "Traceback (most recent call last):")).isFalse();
        assertThat(matches("compilers", "hello, numpy ")).isFalse();
    }

    @Test
    void theWholeImageReadReportsItsBytesAndTheUptimeAtBothEnds() {
        Matcher m = ImageCatalog.wholeImageRead().expected().matcher("read 610580346 6123.45 6182.14");

        assertThat(m.matches()).isTrue();
        assertThat(m.group(1)).isEqualTo("610580346");
        assertThat(Double.parseDouble(m.group(3)) - Double.parseDouble(m.group(2))).isCloseTo(58.69,
                org.assertj.core.data.Offset.offset(1e-6));
    }

    @Test
    void anUnknownImageIsRefusedNamingTheKnownOnes() {
        assertThatThrownBy(() -> ImageCatalog.recipe("rust")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("python,jdk,compilers");
    }

    private static boolean matches(String image, String output) {
        return ImageCatalog.recipe(image).workload().expected().matcher(output).matches();
    }
}
