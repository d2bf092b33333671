package org.cvmfsstargz.cvmfs.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LayerDigestTest {
    static final String HEX = "e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13";

    @Test
    void aSha256DigestKeepsItsValueAndExposesTheHex() {
        LayerDigest digest = LayerDigest.parse("sha256:" + HEX);
        assertThat(digest.value()).isEqualTo("sha256:" + HEX);
        assertThat(digest.hex()).isEqualTo(HEX);
        assertThat(digest).hasToString("sha256:" + HEX);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "sha256:../../etc",
        "sha256:../../../../../../../../../../../../../../../../../../../../../../../../../etc/passwd",
        "sha256:E9AEF93137AF2B4A3C9E54B5A1D8F6FA1C6E0A3E2B1D4C5F6A7B8C9D0E1FCF13",
        "sha256:e9aef931",
        "sha256:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf1300",
        "sha512:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13",
        "e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13",
        " sha256:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13",
        "sha256:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fcf13\n",
        "sha256:e9aef93137af2b4a3c9e54b5a1d8f6fa1c6e0a3e2b1d4c5f6a7b8c9d0e1fc/13",
        "sha256:",
        ""})
    void anythingButSha256AndSixtyFourLowercaseHexIsRefused(String raw) {
        assertThatThrownBy(() -> LayerDigest.parse(raw))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid layer digest")
                .hasMessageContaining("64 lowercase hex");
    }

    @Test
    void controlCharactersAreEscapedInTheMessage() {
        assertThatThrownBy(() -> LayerDigest.parse("sha256:a\nb"))
                .hasMessageContaining("sha256:a\\x0ab");
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> new LayerDigest(null)).isInstanceOf(NullPointerException.class);
    }
}
