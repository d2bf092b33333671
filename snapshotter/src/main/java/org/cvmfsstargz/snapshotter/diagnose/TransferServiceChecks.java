package org.cvmfsstargz.snapshotter.diagnose;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a containerd 2.x ({@code version = 3}) configuration that only 2.x reads, which
 * {@link ContainerdConfigAnalysis} adds to its checks. containerd 2.x pulls through its transfer
 * service ({@code ctr image pull} always; CRI from 2.1 while {@code disable_snapshot_annotations}
 * is true), and that service (a) passes a proxy snapshotter the layer labels only when the
 * plugin's {@code exports} say {@code enable_remote_snapshot_annotations = "true"}, and (b)
 * unpacks only into the snapshotters its {@code unpack_config} list names; a list in the file
 * replaces containerd's default one, which names overlayfs alone. The {@code root} export is where
 * CRI looks for the image filesystem (kubelet's image statistics and image GC). Pure.
 */
final class TransferServiceChecks {
    static final String TRANSFER_TABLE = "[plugins.'io.containerd.transfer.v1.local']";
    private static final String UNPACK_TABLE = "[[plugins.'io.containerd.transfer.v1.local'.unpack_config]]";

    private TransferServiceChecks() {}

    /** The checks for proxy plugin {@code name} in the version 3 file {@code root} read from {@code file}. */
    static List<CheckResult> analyse(JsonNode root, Path file, String name) {
        List<CheckResult> results = new ArrayList<>();
        String exportsTable = "[proxy_plugins." + name + ".exports]";
        JsonNode exports = root.path("proxy_plugins").path(name).path("exports");
        JsonNode annotations = exports.path("enable_remote_snapshot_annotations");
        if (annotations.isTextual() && annotations.asText().equals("true")) {
            results.add(CheckResult.ok("transfer service labels", "enable_remote_snapshot_annotations = \"true\" in "
                    + exportsTable + " of " + file));
        } else {
            results.add(CheckResult.fail("transfer service labels", (annotations.isMissingNode()
                    ? "no enable_remote_snapshot_annotations in " + exportsTable
                    : "enable_remote_snapshot_annotations = " + annotations + " in " + exportsTable
                            + " (exports are strings: only \"true\" turns it on)") + " of " + file
                    + ": pulls through the transfer service (ctr image pull; CRI from 2.1 while its"
                    + " disable_snapshot_annotations is true) pass no layer labels, so every layer is pulled",
                    "add enable_remote_snapshot_annotations = \"true\" under " + exportsTable
                            + " and restart containerd"));
        }
        JsonNode exportedRoot = exports.path("root");
        if (exportedRoot.isTextual() && !exportedRoot.asText().isEmpty()) {
            results.add(CheckResult.ok("proxy plugin root", "root = \"" + exportedRoot.asText() + "\" in "
                    + exportsTable));
        } else {
            results.add(CheckResult.warn("proxy plugin root", "no root in " + exportsTable + " of " + file
                    + ": CRI cannot find " + name + "'s image filesystem, so kubelet's image statistics and image"
                    + " garbage collection fail", "add root = \"<the daemon's root>\" under " + exportsTable
                    + " (`cvmfs-stargz-snapshotter config containerd --containerd-version 2.x` prints it)"
                    + " and restart containerd"));
        }
        results.addAll(unpackConfig(root, file, name));
        return results;
    }

    private static List<CheckResult> unpackConfig(JsonNode root, Path file, String name) {
        JsonNode list = root.path("plugins").path("io.containerd.transfer.v1.local").path("unpack_config");
        String add = "add under " + TRANSFER_TABLE + " one " + UNPACK_TABLE + " with platform = \"linux\","
                + " snapshotter = \"%s\" and differ = \"walking\" and restart containerd";
        if (!list.isArray()) {
            return List.of(CheckResult.fail("transfer service unpack", "no unpack_config in " + TRANSFER_TABLE
                    + " of " + file + ": the transfer service unpacks only into overlayfs, so a plain `ctr image pull"
                    + " --snapshotter " + name + "` mounts no layer lazily", add.formatted(name)
                    + "; add one for overlayfs too, since the list replaces containerd's default"));
        }
        List<String> snapshotters = new ArrayList<>();
        list.forEach(entry -> snapshotters.add(entry.path("snapshotter").asText("")));
        List<CheckResult> results = new ArrayList<>();
        if (snapshotters.contains(name)) {
            results.add(CheckResult.ok("transfer service unpack", "unpack_config of " + TRANSFER_TABLE
                    + " lists snapshotters " + snapshotters));
        } else {
            results.add(CheckResult.fail("transfer service unpack", "unpack_config of " + TRANSFER_TABLE + " in "
                    + file + " lists snapshotters " + snapshotters + " and not " + name + ", so a plain `ctr image"
                    + " pull --snapshotter " + name + "` mounts no layer lazily", add.formatted(name)));
        }
        if (!snapshotters.contains("overlayfs")) {
            results.add(CheckResult.warn("transfer service unpack", "unpack_config of " + TRANSFER_TABLE
                    + " lists " + snapshotters + " and not overlayfs: the list replaces containerd's default, so"
                    + " pulls into overlayfs through the transfer service fail", add.formatted("overlayfs")));
        }
        return results;
    }
}
