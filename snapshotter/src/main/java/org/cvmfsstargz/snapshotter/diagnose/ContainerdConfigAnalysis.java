package org.cvmfsstargz.snapshotter.diagnose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.toml.TomlMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads containerd's {@code config.toml} for what this snapshotter needs: a {@code proxy_plugins}
 * entry of type {@code snapshot} whose address is the daemon's socket, CRI's snapshotter set to
 * that plugin, and CRI's {@code disable_snapshot_annotations = false} (without the layer labels,
 * CRI pulls cannot be lazy). CRI's table depends on the file's {@code version}: 3 (containerd 2.x)
 * {@code plugins.'io.containerd.cri.v1.images'}; 2 (1.6, 1.7)
 * {@code plugins."io.containerd.grpc.v1.cri".containerd}; 1 or none {@code plugins.cri.containerd}.
 * A version 3 file is also checked for what the 2.x transfer service needs
 * ({@link TransferServiceChecks}). Pure: text in, results out.
 */
public final class ContainerdConfigAnalysis {
    /** What is checked, as the lines print it. */
    public static final String WHAT = "containerd config";

    private static final TomlMapper TOML = new TomlMapper();

    private ContainerdConfigAnalysis() {}

    /** Where a config version keeps CRI's snapshotter settings. */
    private record CriTable(String toml, List<String> path) {}

    private static final Map<Integer, CriTable> CRI_TABLES = Map.of(
            1, new CriTable("[plugins.cri.containerd]", List.of("plugins", "cri", "containerd")),
            2, new CriTable("[plugins.\"io.containerd.grpc.v1.cri\".containerd]",
                    List.of("plugins", "io.containerd.grpc.v1.cri", "containerd")),
            3, new CriTable("[plugins.'io.containerd.cri.v1.images']",
                    List.of("plugins", "io.containerd.cri.v1.images")));

    /**
     * The checks of {@code text}, the content of {@code file}.
     *
     * @param socket     the daemon's socket, which the proxy plugin must name
     * @param pluginName the name to suggest for the proxy plugin when there is none
     */
    public static List<CheckResult> analyse(String text, Path file, Path socket, String pluginName) {
        String generate = "add what `cvmfs-stargz-snapshotter config containerd` prints to " + file
                + " and restart containerd";
        JsonNode root;
        try {
            root = Optional.ofNullable(TOML.readTree(text)).orElseGet(TOML::createObjectNode);
        } catch (IOException e) {
            return List.of(CheckResult.fail(WHAT, file + " is not valid TOML: " + firstLine(e.getMessage()),
                    "correct the file (containerd refuses it too), then restart containerd"));
        }
        int version = root.path("version").asInt(1);
        CriTable cri = CRI_TABLES.get(version);
        if (cri == null || !root.path("version").isMissingNode() && !root.path("version").isInt()) {
            return List.of(CheckResult.fail(WHAT, file + " has version = " + root.path("version")
                    + ", which no supported containerd reads (1.6 and 1.7: 2; 2.x: 3)", generate));
        }
        List<CheckResult> results = new ArrayList<>();
        Optional<String> plugin = proxyPlugin(root, file, socket, generate, results);
        String name = plugin.orElse(pluginName);
        JsonNode table = root;
        for (String key : cri.path()) {
            table = table.path(key);
        }
        String where = cri.toml() + " of " + file + " (version " + version + ")";
        JsonNode snapshotter = table.path("snapshotter");
        if (snapshotter.isTextual() && snapshotter.asText().equals(name)) {
            results.add(CheckResult.ok("CRI snapshotter", "snapshotter = \"" + name + "\" in " + where));
        } else {
            results.add(CheckResult.fail("CRI snapshotter", (snapshotter.isMissingNode() ? "not set"
                    : "snapshotter = " + snapshotter) + " in " + where + ", so Kubernetes pulls do not use "
                    + name, "set snapshotter = \"" + name + "\" under " + cri.toml() + " and restart containerd"));
        }
        JsonNode disable = table.path("disable_snapshot_annotations");
        if (disable.isBoolean() && !disable.asBoolean()) {
            results.add(CheckResult.ok("CRI snapshot annotations", "disable_snapshot_annotations = false in " + where));
        } else {
            results.add(CheckResult.fail("CRI snapshot annotations", (disable.isMissingNode()
                    ? "disable_snapshot_annotations is not set (containerd's default is true)"
                    : "disable_snapshot_annotations = " + disable) + " in " + where
                    + ": CRI passes no layer labels, so every layer is pulled", "set disable_snapshot_annotations"
                    + " = false under " + cri.toml() + " and restart containerd"));
        }
        if (version == 3) {
            results.addAll(TransferServiceChecks.analyse(root, file, name));
        }
        return results;
    }

    /** The name of the snapshot proxy plugin at {@code socket}, adding the check's result. */
    private static Optional<String> proxyPlugin(JsonNode root, Path file, Path socket, String generate,
            List<CheckResult> results) {
        List<String> elsewhere = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.path("proxy_plugins").properties()) {
            JsonNode plugin = entry.getValue();
            if (!"snapshot".equals(plugin.path("type").asText())) {
                continue;
            }
            String address = plugin.path("address").asText("");
            if (!address.isEmpty() && Path.of(address).normalize().equals(socket.normalize())) {
                results.add(CheckResult.ok("containerd proxy plugin", "[proxy_plugins." + entry.getKey()
                        + "] type = \"snapshot\", address = \"" + address + "\" in " + file));
                return Optional.of(entry.getKey());
            }
            elsewhere.add(entry.getKey() + " at \"" + address + "\"");
        }
        if (elsewhere.isEmpty()) {
            results.add(CheckResult.fail("containerd proxy plugin", file + " has no [proxy_plugins] entry of type"
                    + " \"snapshot\"", generate));
        } else {
            results.add(CheckResult.fail("containerd proxy plugin", "no snapshot proxy plugin of " + file
                    + " has address \"" + socket + "\" (the configured daemon.socket); found " + String.join(", ",
                    elsewhere), "set address = \"" + socket + "\" in the plugin's table, or daemon.socket to its"
                    + " address, and restart containerd"));
        }
        return Optional.empty();
    }

    private static String firstLine(String message) {
        return message == null ? "unreadable" : message.lines().findFirst().orElse(message);
    }
}
