package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpreadTest {
    @Test
    void anOddCountHasTheMiddleValueAsMedian() {
        assertThat(Spread.of(List.of(3.0, 1.0, 2.0))).isEqualTo(new Spread(2, 1, 3));
    }

    @Test
    void anEvenCountHasTheMeanOfTheMiddleTwo() {
        assertThat(Spread.of(List.of(4L, 1L, 3L, 10L))).isEqualTo(new Spread(3.5, 1, 10));
    }

    @Test
    void oneValueIsItsOwnMedianMinAndMax() {
        assertThat(Spread.of(List.of(7))).isEqualTo(new Spread(7, 7, 7));
    }

    @Test
    void noValuesHaveNoSpread() {
        assertThatThrownBy(() -> Spread.of(List.of())).isInstanceOf(IllegalArgumentException.class);
    }
}
