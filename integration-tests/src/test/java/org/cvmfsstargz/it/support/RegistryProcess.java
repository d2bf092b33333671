package org.cvmfsstargz.it.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Debian's {@code docker-registry} (Distribution 2.8) serving plain HTTP on 127.0.0.1 at a free
 * port, storing blobs under a test's directory, with no auth and no debug server; or, {@link
 * #startSecured secured}, serving TLS with a given certificate and requiring htpasswd Basic auth.
 * Stopped by PID.
 *
 * <p>Not thread-safe; the test that starts it closes it.
 */
public final class RegistryProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
    private static final int PORT_ATTEMPTS = 3;

    /**
     * TLS and authentication for a secured registry.
     *
     * @param certificate PEM server certificate (valid for 127.0.0.1)
     * @param key its PEM private key
     * @param htpasswd a bcrypt htpasswd file of the users allowed to push and pull
     */
    public record Security(Path certificate, Path key, Path htpasswd) {}

    private final Process process;
    private final int port;
    private final Path log;
    private final boolean secured;

    private RegistryProcess(Process process, int port, Path log, boolean secured) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.secured = secured;
    }

    /** Starts a registry whose storage, config and log live in {@code dir}; returns once {@code GET /v2/} answers 200. */
    public static RegistryProcess start(Path dir) throws IOException {
        return start(dir, Optional.empty());
    }

    /** Starts a registry serving HTTPS and requiring Basic auth, as {@code security} says; returns once it listens. */
    public static RegistryProcess startSecured(Path dir, Security security) throws IOException {
        return start(dir, Optional.of(security));
    }

    private static RegistryProcess start(Path dir, Optional<Security> security) throws IOException {
        Files.createDirectories(dir);
        IllegalStateException last = null;
        // The free port is found by binding and releasing it, so another process may take it
        // before the registry binds; a fresh port on the next attempt ends that race.
        for (int attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
            RegistryProcess registry = launch(dir, freeLoopbackPort(), security);
            try {
                registry.awaitReady();
                return registry;
            } catch (IllegalStateException e) {
                registry.close();
                last = e;
            }
        }
        throw last;
    }

    private static RegistryProcess launch(Path dir, int port, Optional<Security> security) throws IOException {
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(dir.resolve("data"), port) + security.map(s -> """
                  tls:
                    certificate: %s
                    key: %s
                auth:
                  htpasswd:
                    realm: cvmfs-stargz-it
                    path: %s
                """.formatted(s.certificate(), s.key(), s.htpasswd())).orElse(""));
        Path log = dir.resolve("registry.log");
        ProcessBuilder builder = new ProcessBuilder("docker-registry", "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        // REGISTRY_* variables override the file (e.g. REGISTRY_HTTP_ADDR); none may leak in.
        builder.environment().keySet().removeIf(k -> k.startsWith("REGISTRY_"));
        return new RegistryProcess(builder.start(), port, log, security.isPresent());
    }

    private static int freeLoopbackPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitReady() {
        if (secured) {
            awaitListening();
            return;
        }
        URI v2 = URI.create("http://" + hostPort() + "/v2/");
        try (HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build()) {
            Instant deadline = Instant.now().plus(READY_TIMEOUT);
            while (Instant.now().isBefore(deadline)) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("docker-registry exited with " + process.exitValue()
                            + " before serving " + v2 + "; log:\n" + logText());
                }
                try {
                    HttpRequest request = HttpRequest.newBuilder(v2).timeout(Duration.ofSeconds(2)).build();
                    if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException e) {
                    // Not listening yet.
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted waiting for " + v2, e);
        }
        throw new IllegalStateException("docker-registry did not answer " + v2 + " within " + READY_TIMEOUT
                + "; log:\n" + logText());
    }

    /** Waits until the port accepts connections (a secured registry answers nothing without TLS and credentials). */
    private void awaitListening() {
        Instant deadline = Instant.now().plus(READY_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("docker-registry exited with " + process.exitValue()
                        + " before listening on " + hostPort() + "; log:\n" + logText());
            }
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException e) {
                // Not listening yet.
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for " + hostPort(), e);
            }
        }
        throw new IllegalStateException("docker-registry did not listen on " + hostPort() + " within "
                + READY_TIMEOUT + "; log:\n" + logText());
    }

    /** {@code 127.0.0.1:<port>}, the host part of image references pushed here. */
    public String hostPort() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** SIGTERM, then SIGKILL if it has not exited within a few seconds. */
    @Override
    public void close() {
        Processes.stop(process, STOP_TIMEOUT);
    }
}
