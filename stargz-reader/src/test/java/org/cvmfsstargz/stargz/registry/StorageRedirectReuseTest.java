package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.cvmfsstargz.stargz.registry.RegistryClientTest.FAST;
import static org.cvmfsstargz.stargz.registry.TestRegistry.respond;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.cvmfsstargz.stargz.format.Digest;
import org.cvmfsstargz.stargz.registry.RangeRoutes.Mode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Ranged reads of a blob the registry redirects to storage with a presigned URL: the URL is
 * reused for later ranges, renewed through the registry when storage refuses it or it ages out,
 * and never sent {@code Authorization}.
 */
class StorageRedirectReuseTest {
    private static final byte[] BLOB = TestRegistry.utf8("0123456789abcdefghijklmnopqrstuvwxyz".repeat(10));
    private static final Digest DIGEST = Digest.sha256(BLOB);
    private static final String BLOB_PATH = "/v2/it/app/blobs/" + DIGEST;
    private static final String BASIC = "Basic YWxpY2U6czNjcmV0LXB3"; // alice:s3cret-pw

    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-11-23T10:00:00Z"));
    /** The signature storage accepts; the registry hands out URLs signed with it. */
    private final AtomicInteger signature = new AtomicInteger(1);
    private TestRegistry registry;
    private TestRegistry storage;
    private RegistryClient client;

    @BeforeEach
    void start() throws IOException {
        registry = TestRegistry.start();
        storage = TestRegistry.start();
        InstantSource clock = now::get;
        client = new RegistryClient(FAST.withCredentials(
                host -> Optional.of(new Credentials.UserPassword("alice", "s3cret-pw"))), clock);
        registry.route(BLOB_PATH, ex -> {
            if (BASIC.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                TestRegistry.redirect(ex, "http://" + storage.hostPort() + "/bucket/blob?sig=" + signature.get());
            } else {
                respond(ex, 401, Map.of("WWW-Authenticate", "Basic realm=\"test\""), new byte[0]);
            }
        });
        TestRegistry.Route ranges = RangeRoutes.blob(BLOB, Mode.MULTIPART);
        storage.route("/bucket/blob", ex -> {
            if (("sig=" + signature.get()).equals(ex.getRequestURI().getRawQuery())) {
                ranges.handle(ex);
            } else {
                respond(ex, 403, Map.of("Content-Type", "application/xml"), TestRegistry.utf8(
                        "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>"));
            }
        });
    }

    @AfterEach
    void stop() {
        client.close();
        storage.close();
        registry.close();
    }

    private ImageReference ref() {
        return ImageReference.parse(registry.hostPort() + "/it/app:1");
    }

    private long authorisedRegistryGets() {
        return registry.requests().stream().filter(s -> s.header("Authorization").isPresent()).count();
    }

    @Test
    void laterRangesOfTheBlobGoStraightToStorageWithoutAuthorization() throws Exception {
        assertThat(client.readRange(ref(), DIGEST, 0, 4)).asString().isEqualTo("0123");
        assertThat(client.readRanges(ref(), DIGEST, List.of(new ByteRange(10, 3), new ByteRange(40, 2))))
                .extracting(String::new).containsExactly("abc", "45");
        assertThat(client.readRange(ref(), DIGEST, 350, 20)).asString().isEqualTo("qrstuvwxyz");

        assertThat(authorisedRegistryGets()).as("one redirect resolved").isEqualTo(1);
        assertThat(storage.requests()).hasSize(3).allSatisfy(s -> {
            assertThat(s.header("Authorization")).isEmpty();
            assertThat(s.query()).isEqualTo("sig=1");
        });
        assertThat(storage.requests().get(1).header("Range")).hasValue("bytes=10-12,40-41");
    }

    @Test
    void aStorageUrlRefusedAsExpiredIsRenewedThroughTheRegistryOnce() throws Exception {
        assertThat(client.readRange(ref(), DIGEST, 0, 4)).asString().isEqualTo("0123");
        signature.set(2); // the first URL has expired

        assertThat(client.readRange(ref(), DIGEST, 4, 4)).asString().isEqualTo("4567");
        assertThat(client.readRange(ref(), DIGEST, 8, 2)).asString().isEqualTo("89");

        assertThat(authorisedRegistryGets()).isEqualTo(2);
        assertThat(storage.requests()).extracting(TestRegistry.Seen::query)
                .containsExactly("sig=1", "sig=1", "sig=2", "sig=2");
    }

    @Test
    void aStorageUrlThatKeepsBeingRefusedFailsAfterOneRenewal() throws Exception {
        assertThat(client.readRange(ref(), DIGEST, 0, 4)).asString().isEqualTo("0123");
        storage.route("/bucket/blob", ex -> respond(ex, 403, Map.of(), new byte[0]));

        assertThatThrownBy(() -> client.readRange(ref(), DIGEST, 4, 4)).isInstanceOfSatisfying(
                RegistryException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RegistryException.Kind.DENIED);
                    assertThat(e.getMessage()).doesNotContain("sig=");
                });
        assertThat(authorisedRegistryGets()).isEqualTo(2);
        assertThat(storage.requests()).hasSize(3);
    }

    @Test
    void aStorageUrlIsNotUsedAfterItsTimeToLive() throws Exception {
        client.readRange(ref(), DIGEST, 0, 4);
        now.set(now.get().plus(BlobLocations.TTL).minusSeconds(1));
        client.readRange(ref(), DIGEST, 4, 4);
        assertThat(authorisedRegistryGets()).isEqualTo(1);

        now.set(now.get().plus(Duration.ofSeconds(1)));
        assertThat(client.readRange(ref(), DIGEST, 8, 2)).asString().isEqualTo("89");
        assertThat(authorisedRegistryGets()).isEqualTo(2);
    }

    @Test
    void aStorageUrlServesOnlyItsOwnBlob() throws Exception {
        byte[] other = TestRegistry.utf8("another blob");
        Digest otherDigest = Digest.sha256(other);
        registry.route("/v2/it/app/blobs/" + otherDigest, RangeRoutes.blob(other, Mode.MULTIPART));
        client.readRange(ref(), DIGEST, 0, 4);

        assertThat(client.readRange(ref(), otherDigest, 0, 7)).asString().isEqualTo("another");
        assertThat(storage.requests()).hasSize(1);
    }
}
