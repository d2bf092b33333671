package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatTest {
    @Test
    void cpuIsUserPlusSystemTimeOfTheProcessAndOfItsReapedChildren() {
        String stat = "4242 (containerd) S 1 4242 4242 0 -1 4194560 9000 0 0 0 150 50 7 3 20 0 12 0 100 0 0";

        assertThat(ProcStat.cpuTicks(stat)).contains(210L);
    }

    @Test
    void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
        String stat = "77 (a) b (c)) R 1 77 77 0 -1 0 0 0 0 0 1 2 3 4 20 0 1 0 5 0 0";

        assertThat(ProcStat.cpuTicks(stat)).contains(10L);
    }

    @Test
    void aTruncatedOrGarbledLineGivesNothing() {
        assertThat(ProcStat.cpuTicks("77 (x) R 1 2")).isEmpty();
        assertThat(ProcStat.cpuTicks("no parenthesis")).isEmpty();
        assertThat(ProcStat.cpuTicks("77 (x) R 1 77 77 0 -1 0 0 0 0 0 u s 3 4 20 0 1 0 5")).isEmpty();
    }

    @Test
    void thisProcessHasSomeCpuTime() {
        assertThat(ProcStat.ours()).hasValueSatisfying(d -> assertThat(d.isPositive()).isTrue());
    }
}
