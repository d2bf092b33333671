package org.cvmfsstargz.snapshotter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cvmfsstargz.snapshotter.config.DaemonConfig;
import org.junit.jupiter.api.Test;

class ContainerdSnippetTest {
    private static final TomlMapper TOML = new TomlMapper();
    private static final DaemonConfig DEFAULTS = DaemonConfig.defaults();

    private static JsonNode parsed(ContainerdRelease release, DaemonConfig daemon) throws Exception {
        return TOML.readTree(ContainerdSnippet.render(release, daemon));
    }

    @Test
    void containerd16And17GetConfigVersion2WithTheCriPluginSection() throws Exception {
        for (ContainerdRelease release : new ContainerdRelease[] {ContainerdRelease.V1_6, ContainerdRelease.V1_7}) {
            JsonNode toml = parsed(release, DEFAULTS);

            assertThat(toml.path("version").asInt()).isEqualTo(2);
            assertThat(toml.at("/proxy_plugins/cvmfs/type").asText()).isEqualTo("snapshot");
            assertThat(toml.at("/proxy_plugins/cvmfs/address").asText()).isEqualTo(DaemonConfig.DEFAULT_SOCKET.toString());
            JsonNode cri = toml.path("plugins").path("io.containerd.grpc.v1.cri").path("containerd");
            assertThat(cri.path("snapshotter").asText()).isEqualTo("cvmfs");
            assertThat(cri.path("disable_snapshot_annotations").isBoolean()).isTrue();
            assertThat(cri.path("disable_snapshot_annotations").asBoolean()).isFalse();
            assertThat(toml.path("plugins").fieldNames()).toIterable().containsExactly("io.containerd.grpc.v1.cri");
        }
    }

    @Test
    void containerd2GetsConfigVersion3WithCriImagesExportsAndTransferUnpacking() throws Exception {
        JsonNode toml = parsed(ContainerdRelease.V2, DEFAULTS);

        assertThat(toml.path("version").asInt()).isEqualTo(3);
        JsonNode proxy = toml.at("/proxy_plugins/cvmfs");
        assertThat(proxy.path("type").asText()).isEqualTo("snapshot");
        assertThat(proxy.path("address").asText()).isEqualTo(DaemonConfig.DEFAULT_SOCKET.toString());
        assertThat(proxy.at("/exports/root").asText()).isEqualTo(DaemonConfig.DEFAULT_ROOT.toString());
        // containerd's exports are a map of strings: "true", not true.
        assertThat(proxy.at("/exports/enable_remote_snapshot_annotations").isTextual()).isTrue();
        assertThat(proxy.at("/exports/enable_remote_snapshot_annotations").asText()).isEqualTo("true");
        assertThat(proxy.has("capabilities")).isFalse();

        JsonNode images = toml.path("plugins").path("io.containerd.cri.v1.images");
        assertThat(images.path("snapshotter").asText()).isEqualTo("cvmfs");
        assertThat(images.path("disable_snapshot_annotations").asBoolean(true)).isFalse();
        assertThat(toml.path("plugins").has("io.containerd.grpc.v1.cri")).isFalse();

        JsonNode unpack = toml.path("plugins").path("io.containerd.transfer.v1.local").path("unpack_config");
        assertThat(unpack.isArray()).isTrue();
        assertThat(unpack.findValuesAsText("snapshotter")).containsExactly("overlayfs", "cvmfs");
        assertThat(unpack.findValuesAsText("platform")).containsOnly("linux");
        assertThat(unpack.findValuesAsText("differ")).containsOnly("walking");
    }

    @Test
    void theSocketAndRootAreTheConfiguredOnesEscapedForToml() throws Exception {
        DaemonConfig odd = new DaemonConfig(Path.of("/run/a \"b\"\\c.sock"), Path.of("/srv/snap\tshots"), null, null, null);

        assertThat(parsed(ContainerdRelease.V1_7, odd).at("/proxy_plugins/cvmfs/address").asText())
                .isEqualTo("/run/a \"b\"\\c.sock");
        JsonNode v3 = parsed(ContainerdRelease.V2, odd);
        assertThat(v3.at("/proxy_plugins/cvmfs/address").asText()).isEqualTo("/run/a \"b\"\\c.sock");
        assertThat(v3.at("/proxy_plugins/cvmfs/exports/root").asText()).isEqualTo("/srv/snap\tshots");
    }

    @Test
    void theReadmeShowsExactlyWhatTheCommandPrintsWithTheDefaults() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);

        assertThat(text).contains("```toml\n" + ContainerdSnippet.render(ContainerdRelease.V1_7, DEFAULTS) + "```");
        assertThat(text).contains("```toml\n" + ContainerdSnippet.render(ContainerdRelease.V2, DEFAULTS) + "```");
    }
}
