package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SnapshotterProcessTest {
    @Test
    void thePeakResidentSetIsVmHwmInBytes() {
        String status = "Name:\tjava\nVmPeak:\t 9000000 kB\nVmHWM:\t  426068 kB\nVmRSS:\t  400000 kB\n";

        assertThat(SnapshotterProcess.vmHwm(status)).contains(426_068L * 1024);
    }

    @Test
    void aStatusWithoutVmHwmSaysNothing() {
        assertThat(SnapshotterProcess.vmHwm("Name:\tkthreadd\n")).isEmpty();
    }
}
