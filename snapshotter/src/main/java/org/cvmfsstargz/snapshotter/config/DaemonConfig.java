package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code [daemon]} section: where the daemon listens and keeps its state. Every key has a
 * default; a missing key (null from the parser) takes it here, once, at load.
 *
 * @param socket               the Unix socket containerd's {@code proxy_plugins} entry points at
 * @param root                 snapshot directories and the metadata database; containerd's CRI
 *                             expects {@code <containerd root>/io.containerd.snapshotter.v1.<name>}
 * @param shutdownGraceSeconds how long SIGTERM waits for calls in flight
 * @param logLevel             error, warn, info, debug or trace
 * @param hostMountTable       the host's mount table, read besides the daemon's own before a snapshot
 *                             directory is deleted: containerd's overlay mounts are in the host's mount
 *                             namespace, which a daemon in a pod does not see in its own table
 *                             ({@code /proc/1/mountinfo} with {@code hostPID}); empty reads only the
 *                             daemon's own, which is the host's when it runs on the host
 */
public record DaemonConfig(Path socket, Path root, Integer shutdownGraceSeconds, String logLevel,
        Path hostMountTable) {
    public static final Path DEFAULT_SOCKET = Path.of("/run/cvmfs-stargz-snapshotter/snapshotter.sock");
    public static final Path DEFAULT_ROOT = Path.of("/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs");
    private static final Set<String> LEVELS = Set.of("error", "warn", "info", "debug", "trace");

    public DaemonConfig {
        socket = absolute("daemon.socket", Optional.ofNullable(socket).orElse(DEFAULT_SOCKET));
        root = absolute("daemon.root", Optional.ofNullable(root).orElse(DEFAULT_ROOT));
        shutdownGraceSeconds = Optional.ofNullable(shutdownGraceSeconds).orElse(30);
        if (shutdownGraceSeconds < 0) {
            throw new ConfigException("daemon.shutdown_grace_seconds", "must be zero or more, got "
                    + shutdownGraceSeconds);
        }
        hostMountTable = Optional.ofNullable(hostMountTable).orElse(Path.of(""));
        if (!hostMountTable.toString().isEmpty()) {
            hostMountTable = absolute("daemon.host_mount_table", hostMountTable);
        }
        logLevel = Optional.ofNullable(logLevel).orElse("info").toLowerCase(Locale.ROOT);
        if (!LEVELS.contains(logLevel)) {
            throw new ConfigException("daemon.log_level", "must be one of " + LEVELS + ", got \"" + logLevel + "\"");
        }
        // A Unix socket path is limited to 107 bytes by sockaddr_un.
        if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 107) {
            throw new ConfigException("daemon.socket", "is longer than the 107 bytes a Unix socket path may have: "
                    + socket);
        }
    }

    public static DaemonConfig defaults() {
        return new DaemonConfig(null, null, null, null, null);
    }

    public DaemonConfig withSocket(Path socket) {
        return new DaemonConfig(socket, root, shutdownGraceSeconds, logLevel, hostMountTable);
    }

    public DaemonConfig withRoot(Path root) {
        return new DaemonConfig(socket, root, shutdownGraceSeconds, logLevel, hostMountTable);
    }

    public DaemonConfig withLogLevel(String logLevel) {
        return new DaemonConfig(socket, root, shutdownGraceSeconds, logLevel, hostMountTable);
    }

    /** The host's mount table to read besides the daemon's own, if one is configured. */
    public Optional<Path> hostMountTableIfSet() {
        return hostMountTable.toString().isEmpty() ? Optional.empty() : Optional.of(hostMountTable);
    }

    private static Path absolute(String key, Path path) {
        if (!path.isAbsolute()) {
            throw new ConfigException(key, "must be an absolute path, got \"" + path + "\"");
        }
        return path.normalize();
    }
}
