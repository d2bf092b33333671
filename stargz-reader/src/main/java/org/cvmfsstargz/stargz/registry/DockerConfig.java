package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The parts of Docker's client configuration file ({@code config.json}, written by
 * {@code docker login}) that say where a registry's credentials are, and the pure decision of
 * where to look for one host, as the Docker CLI makes it: the host's entry in {@code credHelpers},
 * else the {@code credsStore} helper, else the {@code auths} entry stored in the file itself.
 *
 * <p>Keys of {@code auths} and {@code credHelpers} are reduced to {@code host[:port]}, in lower
 * case, as Docker's {@code ConvertToHostname} does ({@code https://index.docker.io/v1/} becomes
 * {@code index.docker.io}); Docker Hub's hosts ({@code docker.io}, {@code registry-1.docker.io},
 * {@code index.docker.io}) all find Hub's entry.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows hosts and helper names, never a secret.
 *
 * @param auths credentials stored in the file, by host
 * @param credHelpers credential helper names ({@code docker-credential-<name>}), by host
 * @param credsStore the helper for every host without its own
 */
public record DockerConfig(Map<String, Credentials.UserPassword> auths, Map<String, String> credHelpers,
        Optional<String> credsStore) {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The key {@code docker login} stores Docker Hub's credentials under; also the server address its helpers know. */
    public static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";
    private static final String DOCKER_HUB = "index.docker.io";
    private static final Set<String> DOCKER_HUB_ALIASES = Set.of("docker.io", "registry-1.docker.io", DOCKER_HUB);

    public DockerConfig {
        auths = Map.copyOf(auths);
        credHelpers = Map.copyOf(credHelpers);
        Objects.requireNonNull(credsStore, "credsStore");
        credHelpers.values().forEach(DockerConfig::requireHelperName);
        credsStore.ifPresent(DockerConfig::requireHelperName);
    }

    /** A configuration with nothing in it: every registry anonymous. */
    public static DockerConfig empty() {
        return new DockerConfig(Map.of(), Map.of(), Optional.empty());
    }

    /** Where the credentials of one host are to be found. */
    public sealed interface Source {
        /** In the file itself. */
        record Stored(Credentials.UserPassword credentials) implements Source {}

        /** With {@code docker-credential-<helper>}, asked for {@code serverAddress}. */
        record Helper(String helper, String serverAddress) implements Source {}

        /** Nowhere: the host is pulled from anonymously. */
        record None() implements Source {}
    }

    /** Where the credentials of {@code host} ({@code host[:port]}) are to be found. */
    public Source sourceOf(String host) {
        String key = canonical(hostKey(host));
        Optional<String> helper = Optional.ofNullable(credHelpers.get(key)).or(() -> credsStore);
        if (helper.isPresent()) {
            return new Source.Helper(helper.get(), key.equals(DOCKER_HUB) ? DOCKER_HUB_SERVER : key);
        }
        Credentials.UserPassword stored = auths.get(key);
        return stored == null ? new Source.None() : new Source.Stored(stored);
    }

    /**
     * Parses {@code json}, the content of {@code file} (named in messages).
     *
     * @throws IllegalArgumentException naming the file, and the key where one is at fault, if the
     *     content is not such a configuration; never quoting a value
     */
    public static DockerConfig parse(byte[] json, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the text around the fault, which may be a password: only the place is kept.
            JsonLocation at = e.getLocation();
            throw invalid(file, "is not valid JSON" + (at == null ? "" : " (line " + at.getLineNr() + ", column "
                    + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw invalid(file, "cannot be read as JSON");
        }
        if (root == null || root.isMissingNode()) {
            return empty();
        }
        if (!root.isObject()) {
            throw invalid(file, "must hold a JSON object");
        }
        Map<String, Credentials.UserPassword> auths = new LinkedHashMap<>();
        object(root, "auths", file).properties().forEach(e -> entry(e.getKey(), e.getValue(), file)
                .ifPresent(c -> auths.putIfAbsent(canonical(hostKey(e.getKey())), c)));
        Map<String, String> helpers = new LinkedHashMap<>();
        object(root, "credHelpers", file).properties().forEach(e -> helpers.put(canonical(hostKey(e.getKey())),
                text(e.getValue(), "credHelpers." + e.getKey(), file)));
        JsonNode store = root.path("credsStore");
        Optional<String> credsStore = store.isMissingNode() || store.isNull() ? Optional.empty()
                : Optional.of(text(store, "credsStore", file)).filter(s -> !s.isEmpty());
        try {
            return new DockerConfig(auths, helpers, credsStore);
        } catch (IllegalArgumentException e) {
            throw invalid(file, e.getMessage());
        }
    }

    /**
     * {@code host[:port]} of a server address as {@code docker login} stores it: without scheme
     * and path, in lower case.
     */
    static String hostKey(String serverAddress) {
        String s = serverAddress.strip();
        int scheme = s.indexOf("://");
        if (scheme >= 0) {
            s = s.substring(scheme + 3);
        }
        int slash = s.indexOf('/');
        return (slash >= 0 ? s.substring(0, slash) : s).toLowerCase(Locale.ROOT);
    }

    private static String canonical(String host) {
        return DOCKER_HUB_ALIASES.contains(host) ? DOCKER_HUB : host;
    }

    /** One {@code auths} entry: {@code auth} (base64 of user:password) wins over username/password; an identity token over both. */
    private static Optional<Credentials.UserPassword> entry(String key, JsonNode node, String file) {
        String where = "auths." + key;
        if (!node.isObject()) {
            throw invalid(file, where + " must be an object");
        }
        String token = optionalText(node, "identitytoken", where, file);
        if (!token.isEmpty()) {
            return Optional.of(Credentials.UserPassword.identityToken(token));
        }
        String user = optionalText(node, "username", where, file);
        String password = optionalText(node, "password", where, file);
        String auth = optionalText(node, "auth", where, file);
        if (!auth.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw invalid(file, where + ".auth is not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw invalid(file, where + ".auth must encode user:password, and holds no ':'");
            }
            user = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (user.isEmpty() && password.isEmpty()) {
            return Optional.empty(); // {} : a helper holds them, or nothing does
        }
        if (user.contains(":")) {
            throw invalid(file, where + ".username cannot contain ':'");
        }
        return Optional.of(new Credentials.UserPassword(user, password));
    }

    private static JsonNode object(JsonNode root, String name, String file) {
        JsonNode node = root.path(name);
        if (node.isMissingNode() || node.isNull()) {
            return JSON.createObjectNode();
        }
        if (!node.isObject()) {
            throw invalid(file, name + " must be an object");
        }
        return node;
    }

    private static String optionalText(JsonNode node, String name, String where, String file) {
        JsonNode value = node.path(name);
        return value.isMissingNode() || value.isNull() ? "" : text(value, where + "." + name, file);
    }

    private static String text(JsonNode value, String where, String file) {
        if (!value.isTextual()) {
            throw invalid(file, where + " must be a string");
        }
        return value.asText();
    }

    private static void requireHelperName(String name) {
        if (name.isEmpty() || !name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("credential helper name '" + name
                    + "' must be letters, digits, '.', '_' or '-' (it names docker-credential-<name>)");
        }
    }

    private static IllegalArgumentException invalid(String file, String reason) {
        return new IllegalArgumentException("Docker config " + file + ": " + reason);
    }

    @Override
    public String toString() {
        return "DockerConfig[auths=" + auths.keySet() + ", credHelpers=" + credHelpers + ", credsStore="
                + credsStore.orElse("") + "]";
    }
}
