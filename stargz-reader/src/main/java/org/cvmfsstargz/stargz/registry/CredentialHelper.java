package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Runs a Docker credential helper as the Docker CLI does: {@code docker-credential-<name> get},
 * found on the daemon's {@code PATH}, with the server address on stdin, answering
 * {@code {"ServerURL":..,"Username":..,"Secret":..}} on stdout (the user {@code <token>} marks
 * the secret as an identity token). A helper that says "credentials not found" means anonymous;
 * one that is missing, fails or passes the timeout is a {@link RegistryException.Kind#NO_CREDENTIALS}
 * naming the helper and the host. Messages never quote the helper's answer, which holds the secret.
 *
 * <p>Stateless and thread-safe; each call starts and reaps its own process.
 */
final class CredentialHelper {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PREFIX = "docker-credential-";
    private static final int MAX_OUTPUT = 1 << 16;
    private static final int MAX_QUOTED = 200;
    /** What Docker's helpers print (with exit 1) for a server they hold nothing for. */
    private static final String NOT_FOUND = "credentials not found";

    private final Duration timeout;
    private final List<Path> searchPath;

    /**
     * A runner that waits {@code timeout} for a helper, found in the directories of
     * {@code searchPath} (searched here, so that a missing helper is named as such).
     */
    CredentialHelper(Duration timeout, List<Path> searchPath) {
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.searchPath = List.copyOf(searchPath);
    }

    /** The directories of this process's {@code PATH}. */
    static List<Path> systemPath() {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        return Arrays.stream(path.split(":")).filter(d -> !d.isEmpty()).map(Path::of).toList();
    }

    /** The executable's name for helper {@code name}. */
    static String executable(String name) {
        return PREFIX + name;
    }

    /**
     * Asks helper {@code name} for the credentials of {@code serverAddress}, wanted for
     * {@code host} (named in messages); empty if it holds none.
     */
    Optional<Credentials.UserPassword> get(String name, String serverAddress, String host) throws RegistryException {
        String program = executable(name);
        Path executable = searchPath.stream().map(d -> d.resolve(program)).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> failure(program, host, "is not installed: no executable of that name on the"
                        + " daemon's PATH (" + searchPath.stream().map(Path::toString).collect(Collectors.joining(":"))
                        + ")"));
        Process process;
        try {
            process = new ProcessBuilder(executable.toString(), "get").redirectErrorStream(true).start();
        } catch (IOException e) {
            throw failure(program, host, "cannot be run: " + e.getMessage());
        }
        try {
            CompletableFuture<byte[]> output = CompletableFuture.supplyAsync(() -> readBounded(process.getInputStream()),
                    Thread::startVirtualThread);
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(serverAddress.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                // A helper that exits without reading stdin: its exit status and output say why.
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw failure(program, host, "gave no answer within " + timeout.toMillis() + " ms");
            }
            byte[] out = output.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (process.exitValue() != 0) {
                String text = new String(out, StandardCharsets.UTF_8).strip();
                if (text.toLowerCase(java.util.Locale.ROOT).contains(NOT_FOUND)) {
                    return Optional.empty();
                }
                throw failure(program, host, "exited with " + process.exitValue() + firstLine(text));
            }
            return parseAnswer(out, program, host);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(program, host, "interrupted");
        } catch (ExecutionException | TimeoutException e) {
            throw failure(program, host, "output could not be read");
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * The credentials in a helper's answer; empty when it holds no secret. Pure.
     *
     * @throws RegistryException if the answer is not the helper protocol's JSON (not quoted: it may hold the secret)
     */
    static Optional<Credentials.UserPassword> parseAnswer(byte[] answer, String program, String host)
            throws RegistryException {
        JsonNode json;
        try {
            json = JSON.readTree(answer);
        } catch (IOException e) {
            throw failure(program, host, "answered with something other than JSON");
        }
        if (json == null || !json.isObject() || !json.path("Secret").isTextual()) {
            throw failure(program, host, "answered without a Secret string");
        }
        String user = json.path("Username").asText("");
        String secret = json.path("Secret").asText();
        if (secret.isEmpty()) {
            return Optional.empty();
        }
        if (user.contains(":")) {
            throw failure(program, host, "answered with a user name containing ':'");
        }
        return Optional.of(new Credentials.UserPassword(user, secret));
    }

    private static byte[] readBounded(InputStream in) {
        try (in) {
            byte[] bytes = in.readNBytes(MAX_OUTPUT);
            in.transferTo(OutputStream.nullOutputStream());
            return bytes;
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** The first line of a failing helper's message: its own explanation, as the Docker CLI shows it. */
    private static String firstLine(String text) {
        String line = text.lines().findFirst().orElse("").strip();
        if (line.isEmpty() || line.startsWith("{")) {
            return ""; // nothing, or JSON that may carry the secret
        }
        return ": " + (line.length() > MAX_QUOTED ? line.substring(0, MAX_QUOTED) + "..." : line);
    }

    private static RegistryException failure(String program, String host, String reason) {
        return new RegistryException(RegistryException.Kind.NO_CREDENTIALS, "credential helper " + program
                + " for " + host + " " + reason);
    }
}
