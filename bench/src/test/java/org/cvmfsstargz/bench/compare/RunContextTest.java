package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RunContextTest {
    private static Variant reference(String label) {
        return Variant.reference(label, "snap -address {socket}", "");
    }

    @Test
    void eachRoundRotatesTheVariantsByOneSoNoneAlwaysGoesFirst() {
        List<Variant> variants = List.of(reference("a"), reference("b"), reference("c"));

        assertThat(RunContext.rotated(variants, 1)).extracting(Variant::label).containsExactly("a", "b", "c");
        assertThat(RunContext.rotated(variants, 2)).extracting(Variant::label).containsExactly("b", "c", "a");
        assertThat(RunContext.rotated(variants, 3)).extracting(Variant::label).containsExactly("c", "a", "b");
        assertThat(RunContext.rotated(variants, 4)).extracting(Variant::label).containsExactly("a", "b", "c");
    }

    @Test
    void oursStartsWithItsDefaultsButNoMetricsEndpoint() {
        assertThat(RunContext.oursDefaultConfig()).contains("[metrics]\nenabled = false\n");
    }
}
