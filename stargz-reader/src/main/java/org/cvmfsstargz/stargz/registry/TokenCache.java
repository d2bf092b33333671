package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Answers registry authentication challenges and remembers the answers: a Bearer token from the
 * challenge's realm (Docker's token protocol, anonymous unless {@link Credentials} has a user for
 * the registry; an identity token is traded by an OAuth {@code refresh_token} POST, as the Docker
 * CLI does), or Basic credentials. Answers are cached per registry host and pull scope
 * ({@code repository:<name>:pull}) until the token's {@code expires_in} (60 s when absent) less a
 * margin, so later requests carry them from the start.
 *
 * <p>Thread-safe: concurrent misses may each fetch a token; the last one stored wins. Never logs
 * or puts into a message a token or a password.
 */
final class TokenCache {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEFAULT_LIFETIME = Duration.ofSeconds(60);
    private static final Duration MAX_MARGIN = Duration.ofSeconds(10);

    /** Fetches a token from the token service; returns the answer's body. */
    interface TokenEndpoint {
        /** GET {@code uri} (Docker's token protocol), with {@code authorization} if present. */
        byte[] get(URI uri, Optional<String> authorization) throws RegistryException;

        /** POST {@code form} ({@code application/x-www-form-urlencoded}) to {@code uri} (OAuth 2). */
        byte[] post(URI uri, String form) throws RegistryException;
    }

    /** The OAuth client id Docker sends when it trades an identity token. */
    static final String CLIENT_ID = "cvmfs-stargz-snapshotter";

    private record Entry(String authorization, Instant expires) {}

    private final Credentials credentials;
    private final InstantSource clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();

    TokenCache(Credentials credentials, InstantSource clock) {
        this.credentials = Objects.requireNonNull(credentials, "credentials");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The pull scope of a repository, as registries name it in challenges. */
    static String pullScope(String repository) {
        return "repository:" + repository + ":pull";
    }

    /** The cached {@code Authorization} value for {@code host} and {@code scope}, if still fresh. */
    Optional<String> cached(String host, String scope) {
        Entry e = entries.get(key(host, scope));
        if (e == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(e.expires())) {
            entries.remove(key(host, scope), e);
            return Optional.empty();
        }
        return Optional.of(e.authorization());
    }

    /** Forgets the answer for {@code host} and {@code scope} (the registry refused it). */
    void invalidate(String host, String scope) {
        entries.remove(key(host, scope));
    }

    /**
     * Answers {@code challenge} from {@code host} for a request needing {@code scope}; returns the
     * {@code Authorization} value to retry with, and caches it.
     */
    String answer(AuthChallenge challenge, String host, String scope, String what, TokenEndpoint tokens)
            throws RegistryException {
        Optional<Credentials.UserPassword> user = credentials.lookup(host);
        Entry entry;
        if (challenge.isBearer()) {
            entry = fetchToken(challenge, host, scope, what, user, tokens);
        } else if (challenge.isBasic()) {
            if (user.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, what + ": " + host
                        + " asks for a user and password (Basic) and none is configured for it");
            }
            if (user.get().isIdentityToken()) {
                throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, what + ": " + host
                        + " asks for a user and password (Basic) but only an identity token is configured for it");
            }
            entry = new Entry(basic(user.get()), Instant.MAX);
        } else {
            throw new RegistryException(RegistryException.Kind.UNAUTHORIZED, what + ": " + host
                    + " asks for authentication scheme '" + challenge.scheme() + "', which this client does not speak");
        }
        entries.put(key(host, scope), entry);
        return entry.authorization();
    }

    private Entry fetchToken(AuthChallenge challenge, String host, String scope, String what,
            Optional<Credentials.UserPassword> user, TokenEndpoint tokens) throws RegistryException {
        String realm = challenge.param("realm").orElseThrow(() -> new RegistryException(
                RegistryException.Kind.UNAUTHORIZED, what + ": " + host + " sent a Bearer challenge without a realm"));
        StringBuilder query = new StringBuilder();
        challenge.param("service").ifPresent(s -> query.append("service=").append(encode(s)));
        query.append(query.isEmpty() ? "" : "&").append("scope=")
                .append(encode(challenge.param("scope").orElse(scope)));
        boolean oauth = user.isPresent() && user.get().isIdentityToken();
        URI uri;
        try {
            uri = URI.create(oauth ? realm : realm + (realm.contains("?") ? "&" : "?") + query);
        } catch (IllegalArgumentException e) {
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": " + host
                    + " sent a token realm that is not a URL", e);
        }
        // An identity token is an OAuth refresh token: traded by POST, as the Docker CLI does,
        // never sent as a password. Without one, Docker's GET protocol, Basic if a user is known.
        byte[] body = oauth
                ? tokens.post(uri, "grant_type=refresh_token&refresh_token=" + encode(user.get().password())
                        + "&client_id=" + CLIENT_ID + "&" + query)
                : tokens.get(uri, user.map(TokenCache::basic));
        Instant now = clock.instant();
        try {
            JsonNode doc = JSON.readTree(body);
            String token = doc.path("token").asText("");
            if (token.isEmpty()) {
                token = doc.path("access_token").asText("");
            }
            if (token.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": token service "
                        + RegistryException.redacted(uri) + " answered without a token");
            }
            long seconds = doc.path("expires_in").asLong(0);
            Duration lifetime = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_LIFETIME;
            Duration margin = lifetime.dividedBy(2).compareTo(MAX_MARGIN) < 0 ? lifetime.dividedBy(2) : MAX_MARGIN;
            return new Entry("Bearer " + token, now.plus(lifetime).minus(margin));
        } catch (IOException e) {
            // The parser's message may quote the body, which may hold a token: not kept.
            throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": token service "
                    + RegistryException.redacted(uri) + " answered with malformed JSON");
        }
    }

    private static String basic(Credentials.UserPassword user) {
        return "Basic " + Base64.getEncoder().encodeToString(
                (user.user() + ":" + user.password()).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String key(String host, String scope) {
        return host + " " + scope;
    }
}
