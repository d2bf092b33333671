package org.cvmfsstargz.bench.startup;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class RegistryPushTest {
    private static final URI BASE = URI.create("http://127.0.0.1:5000/v2/bench/large/");
    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void anAbsoluteLocationWithAQueryGetsTheDigestAppended() {
        assertThat(RegistryPush.uploadTarget(BASE, "http://127.0.0.1:5000/v2/bench/large/blobs/uploads/u1?_state=xyz",
                DIGEST)).hasToString("http://127.0.0.1:5000/v2/bench/large/blobs/uploads/u1?_state=xyz&digest=" + DIGEST);
    }

    @Test
    void aRelativeLocationIsResolvedAgainstTheRegistry() {
        assertThat(RegistryPush.uploadTarget(BASE, "/v2/bench/large/blobs/uploads/u2", DIGEST))
                .hasToString("http://127.0.0.1:5000/v2/bench/large/blobs/uploads/u2?digest=" + DIGEST);
    }
}
