package org.cvmfsstargz.it.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The volume mounts of {@code packaging/kubernetes/daemonset.yaml}, read with Debian's {@code yq}
 * (YAML to JSON) so that the test runs the image with the mounts the DaemonSet declares, not a
 * copy of them, and turned into {@code ctr run --mount} options as CRI turns them into the
 * container's OCI spec. Host paths are moved under a test directory; the path inside the container
 * moves with them, since containerd on the host must find the daemon's socket, snapshot
 * directories and CVMFS layers at the paths the daemon names. Stateless.
 */
final class DaemonSetMounts {
    /** One volume mount: where the DaemonSet takes it from and what it asks of it. */
    record HostMount(String mountPath, Source source, String hostPath, Propagation propagation, boolean readOnly) {}

    enum Source { HOST_DIRECTORY, HOST_DEVICE, CONFIG_MAP }

    /** Kubernetes' mountPropagation values and the OCI mount option each becomes under CRI. */
    enum Propagation {
        NONE("rprivate"), HOST_TO_CONTAINER("rslave"), BIDIRECTIONAL("rshared");

        final String ociOption;

        Propagation(String ociOption) {
            this.ociOption = ociOption;
        }

        static Propagation of(String kubernetesValue) {
            return switch (kubernetesValue) {
                case "None" -> NONE;
                case "HostToContainer" -> HOST_TO_CONTAINER;
                case "Bidirectional" -> BIDIRECTIONAL;
                default -> throw new IllegalArgumentException("unknown mountPropagation " + kubernetesValue);
            };
        }
    }

    private DaemonSetMounts() {}

    /** The first container's volume mounts in {@code daemonset}, with the volumes they name. */
    static List<HostMount> read(Path daemonset) throws IOException, InterruptedException {
        JsonNode pod = yaml(daemonset).path("spec").path("template").path("spec");
        List<HostMount> mounts = new ArrayList<>();
        for (JsonNode mount : pod.path("containers").path(0).path("volumeMounts")) {
            JsonNode volume = volume(pod, mount.path("name").asText(), daemonset);
            Source source = volume.has("configMap") ? Source.CONFIG_MAP
                    : volume.path("hostPath").path("type").asText().equals("CharDevice") ? Source.HOST_DEVICE
                    : Source.HOST_DIRECTORY;
            mounts.add(new HostMount(mount.path("mountPath").asText(), source,
                    volume.path("hostPath").path("path").asText(),
                    Propagation.of(mount.path("mountPropagation").asText("None")),
                    mount.path("readOnly").asBoolean(false)));
        }
        if (mounts.isEmpty()) {
            throw new IllegalStateException(daemonset + " mounts nothing in its container");
        }
        return List.copyOf(mounts);
    }

    /**
     * {@code ctr run} options giving the container {@code mounts}: host directories moved under
     * {@code hostRoot} (created, as {@code DirectoryOrCreate} does) at the same moved path inside,
     * devices as they are, the ConfigMap from {@code configDir}. Any Bidirectional mount makes the
     * container's root rshared, as CRI does: otherwise runc's rslave root would keep the mounts
     * made inside from reaching the host.
     */
    static List<String> ctrOptions(List<HostMount> mounts, Path hostRoot, Path configDir) throws IOException {
        List<String> options = new ArrayList<>();
        for (HostMount mount : mounts) {
            String source = switch (mount.source()) {
                case CONFIG_MAP -> configDir.toString();
                case HOST_DEVICE -> mount.hostPath();
                case HOST_DIRECTORY -> Files.createDirectories(moved(hostRoot, mount.hostPath())).toString();
            };
            String destination = mount.source() == Source.HOST_DIRECTORY
                    ? moved(hostRoot, mount.mountPath()).toString() : mount.mountPath();
            options.add("--mount");
            options.add("type=bind,src=" + source + ",dst=" + destination + ",options=rbind:"
                    + mount.propagation().ociOption + (mount.readOnly() ? ":ro" : ""));
        }
        if (mounts.stream().anyMatch(m -> m.propagation() == Propagation.BIDIRECTIONAL)) {
            options.addAll(List.of("--rootfs-propagation", "rshared"));
        }
        return options;
    }

    /**
     * {@code ctr run} options joining the host's namespaces the DaemonSet's pod shares with the
     * node besides its network: with {@code hostPID}, the host's PID namespace, so that the
     * container's {@code /proc/1} is the host's init, as the kubelet's pod sees it. The namespace
     * is named through this process's link, which is the host's one: PID 1's own links may be
     * closed to the test (a sandbox's init may refuse them even to root).
     */
    static List<String> hostNamespaceOptions(Path daemonset) throws IOException, InterruptedException {
        JsonNode pod = yaml(daemonset).path("spec").path("template").path("spec");
        return pod.path("hostPID").asBoolean(false)
                ? List.of("--with-ns", "pid:/proc/" + ProcessHandle.current().pid() + "/ns/pid") : List.of();
    }

    /** {@code path} (absolute, as the DaemonSet names it) under {@code hostRoot}. */
    static Path moved(Path hostRoot, String path) {
        return hostRoot.resolve(path.substring(1));
    }

    private static JsonNode volume(JsonNode pod, String name, Path daemonset) {
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.path("name").asText().equals(name)) {
                return volume;
            }
        }
        throw new IllegalStateException(daemonset + " mounts volume " + name + ", which it does not declare");
    }

    private static JsonNode yaml(Path file) throws IOException, InterruptedException {
        Process yq = new ProcessBuilder("yq", "-c", ".", file.toString()).redirectErrorStream(true).start();
        byte[] out = yq.getInputStream().readAllBytes();
        if (!yq.waitFor(30, TimeUnit.SECONDS) || yq.exitValue() != 0) {
            throw new IllegalStateException("yq cannot read " + file + ": " + new String(out, StandardCharsets.UTF_8));
        }
        return new ObjectMapper().readTree(out);
    }
}
