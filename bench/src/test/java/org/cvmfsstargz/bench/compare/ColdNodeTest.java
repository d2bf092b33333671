package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ColdNodeTest {
    @Test
    void theContainersCpuIsTheShellsAndItsChildrensTimesAddedUp() {
        String stderr = "some warning\n0m0.010000s 0m0.002000s\n1m2.500000s 0m0.488000s\n";

        assertThat(ColdNode.containerCpu(stderr)).contains(Duration.ofMillis(10 + 2 + 62_500 + 488));
    }

    @Test
    void withoutBothLinesOfTimesTheContainersCpuIsUnknown() {
        assertThat(ColdNode.containerCpu("0m0.010000s 0m0.002000s\n")).isEmpty();
        assertThat(ColdNode.containerCpu("")).isEmpty();
    }
}
