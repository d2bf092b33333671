package org.cvmfsstargz.snapshotter.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetricsConfigTest {
    @TempDir
    Path dir;

    private Config load(String toml) throws Exception {
        return ConfigLoader.load(Optional.of(Files.writeString(dir.resolve("config.toml"), toml)));
    }

    @Test
    void metricsAreServedOnLoopbackPort9750ByDefault() throws Exception {
        MetricsConfig metrics = load("").metrics();
        assertThat(metrics.enabled()).isTrue();
        assertThat(metrics.address()).isEqualTo("127.0.0.1:9750");
        assertThat(metrics.allowNonLoopback()).isFalse();
        assertThat(metrics.bindAddress()).isEqualTo(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9750));
        assertThat(Config.defaults().metrics()).isEqualTo(metrics);
    }

    @Test
    void theKeysAreReadInSnakeCase() throws Exception {
        MetricsConfig metrics = load("""
                [metrics]
                enabled = false
                address = "0.0.0.0:9999"
                allow_non_loopback = true
                """).metrics();
        assertThat(metrics).isEqualTo(new MetricsConfig(false, "0.0.0.0:9999", true));
        assertThat(metrics.bindAddress().getPort()).isEqualTo(9999);
        assertThat(metrics.bindAddress().getAddress().isAnyLocalAddress()).isTrue();
    }

    @Test
    void anIpv6LoopbackAddressGoesInBrackets() throws Exception {
        InetSocketAddress address = load("[metrics]\naddress = \"[::1]:9751\"\n").metrics().bindAddress();
        assertThat(address.getAddress().isLoopbackAddress()).isTrue();
        assertThat(address.getPort()).isEqualTo(9751);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0:9750", "10.1.2.3:9750", "[::]:9750"})
    void aNonLoopbackAddressIsRefusedUnlessAllowed(String address) throws Exception {
        assertThatThrownBy(() -> load("[metrics]\naddress = \"" + address + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve("config.toml").toString())
                .hasMessageContaining("metrics.address")
                .hasMessageContaining("not a loopback address")
                .hasMessageContaining("metrics.allow_non_loopback = true");
        assertThat(load("[metrics]\nallow_non_loopback = true\naddress = \"" + address + "\"\n").metrics().address())
                .isEqualTo(address);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "127.0.0.1", ":9750", "127.0.0.1:", "localhost:9750", "127.0.0.1:http",
        "127.0.0.1:0", "127.0.0.1:65536", "::1:9750", "[::1]9750", "300.0.0.1:9750"})
    void anUnparsableAddressNamesTheKey(String address) throws Exception {
        assertThatThrownBy(() -> load("[metrics]\naddress = \"" + address + "\"\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(dir.resolve("config.toml").toString())
                .hasMessageContaining("metrics.address")
                .hasMessageContaining("\"" + address + "\"");
    }

    @Test
    void anUnknownMetricsKeyIsRefused() {
        assertThatThrownBy(() -> load("[metrics]\nport = 9750\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("metrics.port")
                .hasMessageContaining("unknown key");
    }

    @Test
    void commandLineOverridesKeepTheMetricsSection() throws Exception {
        Config config = load("[metrics]\naddress = \"127.0.0.1:9800\"\n");
        Config overridden = config.withDaemon(config.daemon().withLogLevel("debug"));
        assertThat(overridden.metrics()).isEqualTo(config.metrics());
        assertThat(overridden.daemon().logLevel()).isEqualTo("debug");
    }
}
