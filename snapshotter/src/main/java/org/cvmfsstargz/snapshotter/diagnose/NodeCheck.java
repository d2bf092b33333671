package org.cvmfsstargz.snapshotter.diagnose;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.cvmfsstargz.snapshotter.config.Config;

/**
 * {@code check}'s work: diagnoses the node, in this order: containerd's configuration, the
 * daemon's socket (a warning only: the daemon may simply not be started yet), FUSE, overlayfs,
 * each CVMFS repository, each registry host. Every probe has a deadline; the mounts are made in
 * fresh temporary directories and undone. Stateless.
 */
public final class NodeCheck {
    /** Where containerd reads its configuration unless told otherwise. */
    public static final Path CONTAINERD_CONFIG = Path.of("/etc/containerd/config.toml");

    /** Told as the checks go, for progress on a terminal and for printing each line at once. */
    public interface Listener {
        /** A check of {@code what} starts. */
        void checking(String what);

        /** A check ended. */
        void result(CheckResult result);
    }

    /**
     * What to check against.
     *
     * @param containerdConfig containerd's {@code config.toml}
     * @param pluginName       the proxy plugin name to suggest when containerd has none for our socket
     * @param mountDeadline    how long a probe mount (and its unmount) may take
     */
    public record Options(Path containerdConfig, String pluginName, Duration mountDeadline) {
        public Options {
            Objects.requireNonNull(containerdConfig, "containerdConfig");
            Objects.requireNonNull(pluginName, "pluginName");
            Objects.requireNonNull(mountDeadline, "mountDeadline");
        }
    }

    private NodeCheck() {}

    /** Runs every check; returns their results in order (each was also given to {@code listener}). */
    public static List<CheckResult> run(Config config, Options options, Listener listener) {
        List<CheckResult> results = new ArrayList<>();
        step(listener, results, "containerd config", () -> containerd(config, options));
        step(listener, results, "socket", () -> List.of(socket(config.daemon().socket())));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        step(listener, results, FuseProbe.WHAT, () -> List.of(FuseProbe.run(tmp, options.mountDeadline())));
        // Where the daemon's overlays get their upper directories, if it exists yet.
        Path root = config.daemon().root();
        Path overlayParent = Files.isDirectory(root) ? root : tmp;
        step(listener, results, OverlayProbe.WHAT,
                () -> List.of(OverlayProbe.run(overlayParent, options.mountDeadline())));
        step(listener, results, "cvmfs", () -> CvmfsProbe.run(config.cvmfs()));
        step(listener, results, "registries", () -> RegistryReachability.run(config.registry()));
        return results;
    }

    /** Whether any result is a failure: {@code check}'s exit code. */
    public static boolean failed(List<CheckResult> results) {
        return results.stream().anyMatch(r -> r.status() == CheckResult.Status.FAIL);
    }

    private static void step(Listener listener, List<CheckResult> results, String what,
            Supplier<List<CheckResult>> check) {
        listener.checking(what);
        for (CheckResult result : check.get()) {
            results.add(result);
            listener.result(result);
        }
    }

    private static List<CheckResult> containerd(Config config, Options options) {
        Path file = options.containerdConfig();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of(CheckResult.fail(ContainerdConfigAnalysis.WHAT, file + " does not exist, so containerd"
                    + " runs with its defaults, which know nothing of this snapshotter", "create it with what"
                    + " `cvmfs-stargz-snapshotter config containerd` prints and restart containerd"));
        } catch (IOException e) {
            return List.of(CheckResult.fail(ContainerdConfigAnalysis.WHAT, "cannot read " + file + ": " + e,
                    "run check as root (containerd's configuration is root's)"));
        }
        return ContainerdConfigAnalysis.analyse(text, file, config.daemon().socket(), options.pluginName());
    }

    /** Whether a daemon accepts connections on {@code socket}; a warning if not. */
    static CheckResult socket(Path socket) {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            return CheckResult.ok("daemon", "a daemon accepts connections on " + socket);
        } catch (IOException e) {
            return CheckResult.warn("daemon", "nothing accepts connections on " + socket + " (" + e.getMessage()
                    + ")", "start the daemon (systemctl start cvmfs-stargz-snapshotter, or"
                    + " cvmfs-stargz-snapshotter serve) before containerd");
        }
    }
}
