package org.cvmfsstargz.stargz.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class HostPolicyTest {
    private final HostPolicy policy = new HostPolicy(Set.of("registry.lan:5000", "mirror.lan", "[fd00::1]:5000"));

    @ParameterizedTest
    @CsvSource({
        "localhost, true", "LOCALHOST, true", "127.0.0.1, true", "127.255.3.9, true", "::1, true", "[::1], true",
        "0:0:0:0:0:0:0:1, true", "128.0.0.1, false", "10.0.0.1, false", "::2, false", "localhost.example, false",
        "127.0.0.1.nip.io, false", "example.com, false", "'', false"})
    void loopbackIsDecidedFromTheTextAlone(String host, boolean loopback) {
        assertThat(HostPolicy.isLoopback(host)).isEqualTo(loopback);
    }

    @ParameterizedTest
    @CsvSource({
        "127.0.0.1:5000, http://127.0.0.1:5000", "localhost:5000, http://localhost:5000",
        "[::1]:5000, http://[::1]:5000", "registry.lan:5000, http://registry.lan:5000",
        "registry.lan:5001, https://registry.lan:5001", "registry.lan, https://registry.lan",
        "mirror.lan:8080, http://mirror.lan:8080", "[fd00::1]:5000, http://[fd00::1]:5000",
        "registry-1.docker.io, https://registry-1.docker.io"})
    void loopbackAndListedHostsArePlainHttpAndEverythingElseHttps(String host, String base) {
        assertThat(policy.base(host)).isEqualTo(URI.create(base));
    }

    @Test
    void plainHttpToAnUnlistedHostIsRefusedAndHttpsIsNot() {
        assertThatThrownBy(() -> policy.check(URI.create("http://registry.invalid/v2/"), "test"))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.PLAIN_HTTP_REFUSED));
        assertThatThrownBy(() -> policy.check(URI.create("http://registry.lan:5001/v2/"), "test"))
                .isInstanceOf(RegistryException.class);
        assertThatNoException().isThrownBy(() -> policy.check(URI.create("https://registry.invalid/v2/"), "test"));
        assertThatNoException().isThrownBy(() -> policy.check(URI.create("http://registry.lan:5000/v2/"), "test"));
        assertThatThrownBy(() -> policy.check(URI.create("ftp://registry.lan/x"), "test"))
                .isInstanceOfSatisfying(RegistryException.class,
                        e -> assertThat(e.kind()).isEqualTo(RegistryException.Kind.INVALID_CONTENT));
    }
}
