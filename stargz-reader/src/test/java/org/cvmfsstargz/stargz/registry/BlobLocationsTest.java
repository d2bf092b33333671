package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class BlobLocationsTest {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
    private final BlobLocations locations = new BlobLocations(now::get);
    private final URI signed = URI.create("https://storage.example/blob?sig=1");

    @Test
    void aLocationLivesItsTimeToLive() {
        locations.put("k", signed);
        now.set(now.get().plus(BlobLocations.TTL).minusNanos(1));
        assertThat(locations.get("k")).hasValue(signed);

        now.set(now.get().plusNanos(1));
        assertThat(locations.get("k")).isEmpty();
        assertThat(locations.size()).isZero();
    }

    @Test
    void droppingForgetsOnlyTheLocationThatFailed() {
        URI renewed = URI.create("https://storage.example/blob?sig=2");
        locations.put("k", renewed);

        locations.drop("k", signed);
        assertThat(locations.get("k")).hasValue(renewed);
        locations.drop("k", renewed);
        assertThat(locations.get("k")).isEmpty();
    }

    @Test
    void theLeastRecentlyUsedGoFirstBeyondTheBound() {
        for (int i = 0; i <= BlobLocations.MAX_ENTRIES; i++) {
            locations.put("k" + i, signed);
            if (i == 0) {
                continue;
            }
            locations.get("k0"); // k0 stays in use, so k1 is the eldest when the bound is passed
        }

        assertThat(locations.size()).isEqualTo(BlobLocations.MAX_ENTRIES);
        assertThat(locations.get("k0")).isPresent();
        assertThat(locations.get("k1")).isEmpty();
        assertThat(locations.get("k" + BlobLocations.MAX_ENTRIES)).isPresent();
    }
}
