package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DigestTest {
    @Test
    void theDigestOfBytesIsTheirSha256InHex() {
        assertThat(Digest.sha256("abc".getBytes(StandardCharsets.UTF_8)).value())
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void onlyLowerCaseSha256WithSixtyFourHexCharactersIsAccepted() {
        String hex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assertThat(Digest.parse("sha256:" + hex).hex()).isEqualTo(hex);
        for (String bad : new String[] {"sha256:" + hex.toUpperCase(), "sha512:" + hex, "sha256:" + hex + "0",
                "sha256:../../etc", hex, "sha256:\n" + hex.substring(1)}) {
            assertThatThrownBy(() -> Digest.parse(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining("\n");
        }
    }
}
