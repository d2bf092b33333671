package org.cvmfsstargz.it.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.cvmfsstargz.it.support.ContainerdProcess.SNAPSHOTTER;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.cvmfsstargz.it.support.ContainerdProcess;
import org.cvmfsstargz.it.support.DaemonProcess;
import org.cvmfsstargz.it.support.OciImageBuilder;
import org.cvmfsstargz.it.support.OciImageBuilder.Layer;
import org.cvmfsstargz.it.support.RegistryProcess;
import org.cvmfsstargz.it.support.Teardown;
import org.cvmfsstargz.proto.snapshots.v1.Info;
import org.cvmfsstargz.proto.snapshots.v1.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * eStargz layers from a registry that requires a password: a real {@code docker-registry} on
 * 127.0.0.1 with htpasswd (bcrypt) Basic auth and TLS from a CA this test creates, given to the
 * daemon only through {@code [registry.hosts."<host>"] ca_file}. containerd is handed the
 * credentials by {@code ctr-remote image rpull --user}, and never passes them on: the daemon must
 * find its own in Docker's {@code config.json} ({@code auths} or a credential helper), or fall
 * back to a normal pull. No secret may reach the daemon's or containerd's log.
 */
class RegistryAuthIT {
    private static final String SOURCE_LABEL = "containerd.io/snapshot/cvmfs-stargz.source";
    private static final String USER = "puller";
    private static final String FILE = "/data/greeting.txt";
    private static final String CONTENT = "read lazily from an authenticated registry\n";
    private static final String HELPER = "ittest";

    @TempDir
    Path tmp;

    private final String password = "pw-" + UUID.randomUUID();
    private Path ca;
    private Path bin;
    private RegistryProcess registry;
    private DaemonProcess daemon;
    private ContainerdProcess containerd;

    @BeforeEach
    void startSecuredRegistry() throws Exception {
        Path tls = Files.createDirectories(tmp.resolve("tls"));
        ca = tls.resolve("ca.pem");
        run(tls, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=cvmfs-stargz IT CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
        run(tls, "openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1");
        Files.writeString(tls.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                + "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
        run(tls, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext");
        Path htpasswd = tmp.resolve("htpasswd");
        Files.writeString(htpasswd, run(tmp, "htpasswd", "-Bbn", USER, password));
        registry = RegistryProcess.startSecured(tmp.resolve("registry"), new RegistryProcess.Security(
                tls.resolve("server.pem"), tls.resolve("server.key"), htpasswd));
        bin = Files.createDirectories(tmp.resolve("bin"));
        Files.createDirectories(tmp.resolve("docker"));
    }

    @AfterEach
    void stopEverything() {
        Teardown.stop(tmp, containerd, daemon, registry);
    }

    @Test
    void credentialsFromAnAuthsEntryMountTheLayerLazily() throws Exception {
        writeDockerConfig("{\"auths\":{\"https://" + registry.hostPort() + "\":{\"auth\":\"" + basicAuth() + "\"}}}");
        String image = startAndPublish("it/auths");

        rpull(image);

        assertThat(sources()).as("source of each committed snapshot").containsOnly("estargz").hasSize(2);
        assertThat(runCat(image)).isEqualTo(CONTENT);
        assertNoSecretInLogs();
    }

    @Test
    void credentialsFromACredentialHelperOnTheDaemonsPathMountTheLayerLazily() throws Exception {
        Path asked = tmp.resolve("helper-asked");
        Path helper = bin.resolve("docker-credential-" + HELPER);
        Files.writeString(helper, "#!/bin/sh\n[ \"$1\" = get ] || exit 2\ncat > " + asked + "\n"
                + "echo '{\"ServerURL\":\"" + registry.hostPort() + "\",\"Username\":\"" + USER + "\",\"Secret\":\""
                + password + "\"}'\n");
        Files.setPosixFilePermissions(helper, PosixFilePermissions.fromString("rwx------"));
        writeDockerConfig("{\"auths\":{\"" + registry.hostPort() + "\":{}},\"credHelpers\":{\"" + registry.hostPort()
                + "\":\"" + HELPER + "\"}}");
        String image = startAndPublish("it/helper");

        rpull(image);

        assertThat(Files.readString(asked)).as("server address the helper was asked for").isEqualTo(registry.hostPort());
        assertThat(sources()).containsOnly("estargz").hasSize(2);
        assertThat(runCat(image)).isEqualTo(CONTENT);
        assertNoSecretInLogs();
    }

    @Test
    void withoutCredentialsTheLayersArePulledNormallyAndTheReasonSaysWhy() throws Exception {
        String image = startAndPublish("it/anonymous"); // no config.json at all

        rpull(image);

        assertThat(sources()).as("no layer is remote").hasSize(2).allMatch(String::isEmpty);
        assertThat(runCat(image)).isEqualTo(CONTENT);
        assertThat(daemon.logText()).contains("source=pull reason=")
                .contains(registry.hostPort() + " asks for a user and password (Basic) and none is configured for it");
        assertNoSecretInLogs();
    }

    @Test
    void aMissingCredentialHelperFallsBackToANormalPullNamingTheHelperAndHost() throws Exception {
        writeDockerConfig("{\"credsStore\":\"absent\"}");
        String image = startAndPublish("it/nohelper");

        rpull(image);

        assertThat(sources()).hasSize(2).allMatch(String::isEmpty);
        assertThat(runCat(image)).isEqualTo(CONTENT);
        assertThat(daemon.logText()).contains("credential helper docker-credential-absent for " + registry.hostPort()
                + " is not installed");
        assertNoSecretInLogs();
    }

    /** Starts the daemon and containerd, and pushes the image and its eStargz conversion; returns the latter's name. */
    private String startAndPublish(String repository) throws Exception {
        Path config = Files.writeString(tmp.resolve("snapshotter.toml"), """
                [daemon]
                log_level = "debug"
                [cvmfs]
                enabled = false
                [registry]
                docker_config = "%s"
                [registry.hosts."%s"]
                ca_file = "%s"
                """.formatted(tmp.resolve("docker/config.json"), registry.hostPort(), ca) + DaemonProcess.METRICS_OFF);
        daemon = DaemonProcess.start(tmp.resolve("snapshotter"), tmp.resolve("d.sock"),
                List.of("--config", config.toString()), Map.of("PATH", bin + ":" + System.getenv("PATH")));
        containerd = ContainerdProcess.start(tmp.resolve("containerd"), daemon.socket());
        containerd.alsoReportOnFailure(() -> "--- daemon log ---\n" + daemon.logText() + "\n--- registry log ---\n"
                + registry.logText());

        String plain = registry.hostPort() + "/" + repository + ":plain";
        String esgz = registry.hostPort() + "/" + repository + ":esgz";
        OciImageBuilder.Image image = OciImageBuilder.image(plain).layer(Layer.busyboxBase())
                .layer(new Layer().dir("data", 0755).file(FILE.substring(1), CONTENT)).writeArchive(tmp.resolve("i.tar"));
        containerd.ctrOk("images", "import", "--no-unpack", image.archive().toString());
        containerd.ctrRemoteOk("image", "convert", "--estargz", "--oci", plain, esgz);
        containerd.ctrOk("images", "push", "--user", USER + ":" + password, "--hosts-dir", hostsDir().toString(), esgz);
        containerd.ctrOk("images", "rm", "--sync", plain, esgz);
        return esgz;
    }

    /** The labelled pull; containerd gets the credentials, the daemon does not. */
    private void rpull(String image) throws IOException {
        containerd.ctrRemoteOk("image", "rpull", "--user", USER + ":" + password, "--hosts-dir",
                hostsDir().toString(), "--snapshotter", SNAPSHOTTER, image);
    }

    /**
     * A {@code hosts.toml} directory for ctr: containerd 1.6 speaks plain HTTP to a loopback
     * registry unless told its scheme and CA this way.
     */
    private Path hostsDir() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("certs.d").resolve(registry.hostPort()));
        Files.writeString(dir.resolve("hosts.toml"), """
                server = "https://%1$s"
                [host."https://%1$s"]
                  capabilities = ["pull", "resolve", "push"]
                  ca = "%2$s"
                """.formatted(registry.hostPort(), ca));
        return dir.getParent();
    }

    private String runCat(String image) {
        return containerd.ctrOk("run", "--rm", "--snapshotter", SNAPSHOTTER, "--fifo-dir",
                tmp.resolve("containerd/fifo").toString(), "--runc-root", tmp.resolve("containerd/runc").toString(),
                image, "cat-" + UUID.randomUUID().toString().substring(0, 8), "/bin/cat", FILE);
    }

    /** The source label of each committed snapshot; empty for one pulled normally. */
    private List<String> sources() {
        return daemon.list().stream().filter(i -> i.getKind() == Kind.COMMITTED)
                .map((Info i) -> i.getLabelsOrDefault(SOURCE_LABEL, "")).toList();
    }

    private void writeDockerConfig(String json) throws IOException {
        Files.writeString(tmp.resolve("docker/config.json"), json);
    }

    private String basicAuth() {
        return Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** Neither the password nor the {@code auth} string (also the Basic header's value) is in any log. */
    private void assertNoSecretInLogs() {
        for (Map.Entry<String, String> log : Map.of("daemon", daemon.logText(), "containerd", containerd.logText())
                .entrySet()) {
            assertThat(log.getValue()).as("%s log", log.getKey()).isNotEmpty()
                    .doesNotContain(password).doesNotContain(basicAuth());
        }
    }

    /** Runs {@code command} in {@code dir}; returns its stdout, failing with its output unless it exits 0. */
    private static String run(Path dir, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile(dir, "cmd", ".err");
        Process process = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                .redirectError(err.toFile()).start();
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(Duration.ofSeconds(60).toMillis(), TimeUnit.MILLISECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " failed: " + out + Files.readString(err));
        }
        return out;
    }
}
