package org.cvmfsstargz.snapshotter.cli;

import org.cvmfsstargz.snapshotter.config.DaemonConfig;

/**
 * The lines of containerd's {@code config.toml} that make it use this snapshotter, for one
 * containerd release line: the {@code [proxy_plugins.cvmfs]} entry pointing at the daemon's
 * socket and the CRI settings that pass layer labels (containerd-snapshots-api.md §4). Pure
 * and stateless.
 */
final class ContainerdSnippet {
    /** The proxy plugin's name: the snapshotter name CRI, ctr and nerdctl are given. */
    static final String SNAPSHOTTER = "cvmfs";

    private ContainerdSnippet() {}

    static String render(ContainerdRelease release, DaemonConfig daemon) {
        return switch (release) {
            case V1_6, V1_7 -> version2(daemon);
            case V2 -> version3(daemon);
        };
    }

    private static String version2(DaemonConfig daemon) {
        return """
                version = 2

                %s
                # For Kubernetes (CRI): pull through this snapshotter and pass it the layer labels.
                [plugins."io.containerd.grpc.v1.cri".containerd]
                  snapshotter = "%s"
                  disable_snapshot_annotations = false
                """.formatted(proxyPlugin(daemon), SNAPSHOTTER);
    }

    /*
     * containerd 2.x pulls through its transfer service (ctr always, CRI from 2.1). That service
     * labels layers for a proxy snapshotter only when its exports ask for it, and unpacks only
     * with the snapshotters listed in unpack_config: a list that replaces containerd's default
     * one, hence overlayfs again. The differ is named because, with the erofs differ loaded, two
     * would match "linux" and containerd would pick either.
     */
    private static String version3(DaemonConfig daemon) {
        return """
                version = 3

                %s
                # Where CRI finds the image filesystem (kubelet's image stats and GC), and layer labels
                # for pulls through the transfer service.
                [proxy_plugins.%s.exports]
                  root = %s
                  enable_remote_snapshot_annotations = "true"

                # Snapshotters the transfer service may unpack into (this list replaces the default).
                [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
                  platform = "linux"
                  snapshotter = "overlayfs"
                  differ = "walking"

                [[plugins.'io.containerd.transfer.v1.local'.unpack_config]]
                  platform = "linux"
                  snapshotter = "%s"
                  differ = "walking"

                # For Kubernetes (CRI): pull through this snapshotter and pass it the layer labels
                # (from 2.1, this also makes CRI pull without the transfer service).
                [plugins.'io.containerd.cri.v1.images']
                  snapshotter = "%s"
                  disable_snapshot_annotations = false
                """.formatted(proxyPlugin(daemon), SNAPSHOTTER, string(daemon.root().toString()), SNAPSHOTTER,
                SNAPSHOTTER);
    }

    private static String proxyPlugin(DaemonConfig daemon) {
        return """
                [proxy_plugins.%s]
                  type = "snapshot"
                  address = %s
                """.formatted(SNAPSHOTTER, string(daemon.socket().toString()));
    }

    /** A TOML basic string: quotes, backslashes and control characters escaped. */
    static String string(String value) {
        StringBuilder out = new StringBuilder(value.length() + 2).append('"');
        value.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append("\\u%04X".formatted(c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }
}
