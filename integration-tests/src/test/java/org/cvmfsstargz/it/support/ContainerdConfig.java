package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The configuration a test's containerd starts with: a template from the test resources with its
 * {@code ${...}} placeholders filled in, plus the directories and files it points at, all under
 * the test directory so that containerd touches nothing outside it. Stateless.
 */
final class ContainerdConfig {
    /** sun_path is 108 bytes including the terminating NUL. */
    private static final int MAX_SOCKET_PATH = 107;
    private static final List<String> DIRECTORIES = List.of("root", "state", "tmp", "opt", "fifo", "runc", "ctr");
    /** A registry host:port; it names a directory, so nothing path-like gets through. */
    private static final Pattern HOST_PORT = Pattern.compile("[A-Za-z0-9.-]+:[0-9]{1,5}");
    private static final List<String> CRI_DIRECTORIES = List.of("cni/bin", "cni/conf", "certs.d");

    private ContainerdConfig() {}

    /**
     * {@code containerd/config.toml} (config version 2, for 1.x) or {@code config-v3.toml} (2.x):
     * our proxy snapshotter, CRI disabled; returns the file written.
     */
    static Path write(ContainerdRelease release, Path dir, Path address, Path snapshotterSocket, String snapshotter)
            throws IOException {
        prepare(dir, address, snapshotterSocket, DIRECTORIES);
        return fill(dir, template(release, ""), placeholders(dir, address, snapshotterSocket, snapshotter));
    }

    private static String template(ContainerdRelease release, String suffix) {
        return "/containerd/config" + (release.configVersion() == 2 ? "" : "-v" + release.configVersion()) + suffix
                + ".toml";
    }

    /**
     * {@code containerd/config-cri.toml} (or {@code config-v3-cri.toml}): as {@link #write}, plus the CRI plugin pulling into our
     * snapshotter, and a {@code hosts.toml} under {@code <dir>/certs.d} through which CRI reaches
     * the registry at {@code registryHostPort} over plain HTTP, stated rather than left to
     * containerd's defaults for loopback hosts.
     */
    static Path writeWithCri(ContainerdRelease release, Path dir, Path address, Path snapshotterSocket, String snapshotter,
            String registryHostPort) throws IOException {
        if (!HOST_PORT.matcher(registryHostPort).matches()) {
            throw new IllegalArgumentException("expected a registry host:port, got " + registryHostPort);
        }
        prepare(dir, address, snapshotterSocket, DIRECTORIES);
        for (String sub : CRI_DIRECTORIES) {
            Files.createDirectories(dir.resolve(sub));
        }
        // containerd looks a registry up in <config_path>/<host:port>/hosts.toml at each pull.
        Path hosts = dir.resolve("certs.d").resolve(registryHostPort);
        Files.createDirectories(hosts);
        Files.writeString(hosts.resolve("hosts.toml"), "server = \"http://" + registryHostPort + "\"\n");
        Map<String, String> values = new HashMap<>(placeholders(dir, address, snapshotterSocket, snapshotter));
        values.put("registry", registryHostPort);
        return fill(dir, template(release, "-cri"), values);
    }

    private static void prepare(Path dir, Path address, Path snapshotterSocket, List<String> subdirectories)
            throws IOException {
        for (Path socket : List.of(address, Path.of(address + ".ttrpc"), snapshotterSocket)) {
            if (socket.toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH) {
                throw new IllegalArgumentException("Unix socket path too long (max " + MAX_SOCKET_PATH
                        + " bytes), use a shorter temp dir: " + socket);
            }
        }
        for (String sub : subdirectories) {
            Files.createDirectories(dir.resolve(sub));
        }
    }

    private static Map<String, String> placeholders(Path dir, Path address, Path snapshotterSocket, String snapshotter) {
        // The exports' root (2.x) is only read by CRI's image-filesystem stats: the daemon's directory will do.
        return Map.of("dir", dir.toString(), "address", address.toString(), "snapshotter", snapshotter,
                "socket", snapshotterSocket.toString(),
                "snapshotter_root", snapshotterSocket.toAbsolutePath().getParent().toString());
    }

    /** Writes {@code <dir>/config.toml} from the template {@code resource}. */
    private static Path fill(Path dir, String resource, Map<String, String> values) throws IOException {
        String text;
        try (InputStream in = ContainerdConfig.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + resource + " is missing");
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        for (Map.Entry<String, String> value : values.entrySet()) {
            text = text.replace("${" + value.getKey() + "}", value.getValue());
        }
        Path config = dir.resolve("config.toml");
        Files.writeString(config, text);
        return config;
    }
}
