package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NativeSha256Test {
    @Test
    void libcryptoIsFoundOnThisMachine() {
        assertThat(NativeSha256.available()).as("libcrypto.so.3 is part of Debian 12's base system").isTrue();
        assertThat(Digest.hashedNatively()).isTrue();
    }

    @Test
    void oneShotAndStreamedHashesEqualTheJdksForEverySizeAroundTheSlice() throws Exception {
        Random random = new Random(3);
        for (int size : new int[] {0, 1, 63, 64, 65, 4096, (1 << 20) - 1, 1 << 20, (1 << 20) + 1, (3 << 20) + 17}) {
            byte[] bytes = new byte[size + 10];
            random.nextBytes(bytes);
            MessageDigest jdk = MessageDigest.getInstance("SHA-256");
            jdk.update(bytes, 5, size);
            byte[] expected = jdk.digest();

            assertThat(NativeSha256.hash(bytes, 5, size)).as("one shot, %d bytes", size).isEqualTo(expected);
            NativeSha256 streamed = NativeSha256.newInstance();
            for (int at = 5; at < 5 + size; at += 7919) {
                streamed.update(bytes, at, Math.min(7919, 5 + size - at));
            }
            assertThat(streamed.digest()).as("streamed, %d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void aDigestIsReusableAfterDigestAndReset() {
        NativeSha256 digest = NativeSha256.newInstance();
        digest.update(new byte[] {1, 2, 3});
        digest.digest();
        digest.update((byte) 'a');
        digest.update(new byte[] {'b', 'c'});
        assertThat(HexFormat.of().formatHex(digest.digest()))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        digest.update(new byte[] {9});
        digest.reset();
        assertThat(HexFormat.of().formatHex(digest.digest()))
                .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
