package org.cvmfsstargz.it.packaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code packaging/check-manifests} (yq and jq, no cluster) passes the manifests as shipped and
 * names what is wrong in copies broken the ways that would break a node: a root without
 * Bidirectional propagation (FUSE mounts never reach containerd), a grace period shorter than the
 * daemon's clean stop, probes on another port than the metrics endpoint, a memory limit too small
 * for the JVM's heap bound (an OOM kill drops the eStargz FUSE mounts), a ConfigMap that drifted
 * from the image's configuration, a file that is not YAML. Also checks that the mounts the
 * packaged-daemon test reads from the DaemonSet are the ones it expects to move.
 */
class KubernetesManifestsIT {
    @TempDir
    Path tmp;

    private record Check(int exitCode, String output) {}

    @Test
    void theShippedManifestsAgreeWithTheImagesConfiguration() throws Exception {
        Check check = check(PackagedDaemon.tree().resolve("packaging"));

        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("agrees with");
    }

    @Test
    void aRootWithoutBidirectionalPropagationIsReported() throws Exception {
        Check check = checkBroken("kubernetes/daemonset.yaml",
                yaml -> yaml.replace("              mountPropagation: Bidirectional\n", ""));

        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs")
                .contains("mountPropagation None, expected Bidirectional");
    }

    @Test
    void aPodWithoutTheHostsProcessesIsReportedSinceTheDaemonWouldNotSeeContainerdsMounts() throws Exception {
        Check check = checkBroken("kubernetes/daemonset.yaml",
                yaml -> yaml.replace("hostPID: true", "hostPID: false"));

        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("hostPID must be true");
    }

    @Test
    void aGracePeriodShorterThanTheDaemonsCleanStopIsReported() throws Exception {
        Check check = checkBroken("kubernetes/daemonset.yaml",
                yaml -> yaml.replace("terminationGracePeriodSeconds: 90", "terminationGracePeriodSeconds: 30"));

        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("terminationGracePeriodSeconds 30 is shorter than the daemon's clean stop (65 s)");
    }

    @Test
    void probesOnAnotherPortThanTheMetricsEndpointAreReported() throws Exception {
        Check check = checkBroken("config.toml", toml -> toml.replace("127.0.0.1:9750", "127.0.0.1:9999"));

        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("readinessProbe must reach metrics.address 127.0.0.1:9999")
                .contains("configmap.yaml: data[config.toml] differs");
    }

    @Test
    void aMemoryLimitSmallerThanTwiceTheHeapBoundIsReported() throws Exception {
        Check check = checkBroken("kubernetes/daemonset.yaml", yaml -> yaml.replace("memory: 1Gi", "memory: 512Mi"));

        assertThat(check.exitCode()).isOne();
        assertThat(check.output())
                .contains("resources.limits.memory 512Mi is less than twice the heap bound (jvm.options, 384 MiB)");
    }

    @Test
    void aMemoryLimitIsCheckedAgainstTheHeapBoundSetInJdkJavaOptions() throws Exception {
        UnaryOperator<String> smallHeap = yaml -> yaml.replace("          resources:\n", """
                          env:
                            - name: JDK_JAVA_OPTIONS
                              value: -Xlog:gc -Xmx200m
                          resources:
                """).replace("memory: 1Gi", "memory: 400Mi");
        Check enough = checkBroken("kubernetes/daemonset.yaml", smallHeap);
        assertThat(enough.exitCode()).as("400Mi for -Xmx200m: %s", enough.output()).isZero();

        Check check = checkBroken("kubernetes/daemonset.yaml",
                yaml -> smallHeap.apply(yaml).replace("memory: 400Mi", "memory: 399Mi"));
        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("memory 399Mi is less than twice the heap bound (-Xmx200m, 200 MiB)");
    }

    @Test
    void aFileThatIsNotYamlIsReported() throws Exception {
        Check check = checkBroken("kubernetes/daemonset.yaml", yaml -> yaml + "\n  - [unclosed\n");

        assertThat(check.exitCode()).isOne();
        assertThat(check.output()).contains("daemonset.yaml: not valid YAML");
    }

    @Test
    void theDaemonSetMountsWhatThePackagedDaemonTestMoves() throws Exception {
        List<DaemonSetMounts.HostMount> mounts = DaemonSetMounts.read(
                PackagedDaemon.tree().resolve("packaging/kubernetes/daemonset.yaml"));

        assertThat(mounts).extracting(DaemonSetMounts.HostMount::mountPath, DaemonSetMounts.HostMount::source,
                DaemonSetMounts.HostMount::propagation).containsExactlyInAnyOrder(
                        tuple("/run/cvmfs-stargz-snapshotter",
                                DaemonSetMounts.Source.HOST_DIRECTORY, DaemonSetMounts.Propagation.NONE),
                        tuple("/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs",
                                DaemonSetMounts.Source.HOST_DIRECTORY, DaemonSetMounts.Propagation.BIDIRECTIONAL),
                        tuple("/cvmfs", DaemonSetMounts.Source.HOST_DIRECTORY,
                                DaemonSetMounts.Propagation.HOST_TO_CONTAINER),
                        tuple("/dev/fuse", DaemonSetMounts.Source.HOST_DEVICE,
                                DaemonSetMounts.Propagation.NONE),
                        tuple("/etc/cvmfs-stargz-snapshotter",
                                DaemonSetMounts.Source.CONFIG_MAP, DaemonSetMounts.Propagation.NONE));
        assertThat(DaemonSetMounts.ctrOptions(mounts, tmp.resolve("host"), tmp.resolve("cm")))
                .contains("type=bind,src=" + tmp.resolve("host/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs")
                        + ",dst=" + tmp.resolve("host/var/lib/containerd/io.containerd.snapshotter.v1.cvmfs")
                        + ",options=rbind:rshared")
                .contains("type=bind,src=" + tmp.resolve("cm") + ",dst=/etc/cvmfs-stargz-snapshotter,options=rbind:rprivate:ro")
                .containsSequence("--rootfs-propagation", "rshared");
        assertThat(tmp.resolve("host/cvmfs")).as("created, as DirectoryOrCreate does").isDirectory();
    }

    /** A copy of packaging/ with {@code file} edited, checked; fails if the edit changed nothing. */
    private Check checkBroken(String file, UnaryOperator<String> edit) throws Exception {
        Path copy = Files.createTempDirectory(tmp, "packaging");
        copyTree(PackagedDaemon.tree().resolve("packaging"), copy);
        Path target = copy.resolve(file);
        String before = Files.readString(target);
        String after = edit.apply(before);
        assertThat(after).as("the edit of %s changes it", file).isNotEqualTo(before);
        Files.writeString(target, after);
        return check(copy);
    }

    private static Check check(Path packaging) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(packaging.resolve("check-manifests").toString(), packaging.toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("check-manifests finished").isTrue();
        return new Check(process.exitValue(), output);
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : files.filter(p -> !p.startsWith(from.resolve("target"))).toList()) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
