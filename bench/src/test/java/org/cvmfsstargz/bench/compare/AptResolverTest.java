package org.cvmfsstargz.bench.compare;

import static org.assertj.core.api.Assertions.assertThat;

import org.cvmfsstargz.bench.compare.AptResolver.Deb;
import org.junit.jupiter.api.Test;

class AptResolverTest {
    private static final String SIMULATION = """
            NOTE: This is only a simulation!
            Reading package lists...
            The following NEW packages will be installed:
              gcc-12-base libc6 libllvm14
            Inst gcc-12-base (12.2.0-14+deb12u1 Debian:12.11/stable, Debian-Security:12/stable-security [amd64])
            Inst libc6 (2.36-9+deb12u14 Debian-Security:12/stable-security [amd64]) []
            Inst libllvm14 (1:14.0.6-12 Debian:12.11/stable [amd64])
            Inst python3-six (1.16.0-4 Debian:12.11/stable [all])
            Conf gcc-12-base (12.2.0-14+deb12u1 Debian:12.11/stable [amd64])
            Conf libc6 (2.36-9+deb12u14 Debian-Security:12/stable-security [amd64])
            """;

    @Test
    void everyInstLineIsAPackageWithItsVersionAndArchitectureInUnpackOrder() {
        assertThat(AptResolver.parse(SIMULATION)).containsExactly(
                new Deb("gcc-12-base", "12.2.0-14+deb12u1", "amd64"),
                new Deb("libc6", "2.36-9+deb12u14", "amd64"),
                new Deb("libllvm14", "1:14.0.6-12", "amd64"),
                new Deb("python3-six", "1.16.0-4", "all"));
    }

    @Test
    void anEpochIsWrittenAsPercentThreeAInTheFileNameAsAptGetDownloadNamesIt() {
        Deb llvm = new Deb("libllvm14", "1:14.0.6-12", "amd64");

        assertThat(llvm.fileName()).isEqualTo("libllvm14_1%3a14.0.6-12_amd64.deb");
        assertThat(llvm.pinned()).isEqualTo("libllvm14=1:14.0.6-12");
    }

    @Test
    void anUpgradeLineWithTheInstalledVersionInBracketsIsReadToo() {
        assertThat(AptResolver.parse("Inst tar [1.34+dfsg-1.2] (1.34+dfsg-1.2+deb12u1 Debian:12.11/stable [amd64])"))
                .containsExactly(new Deb("tar", "1.34+dfsg-1.2+deb12u1", "amd64"));
    }
}
