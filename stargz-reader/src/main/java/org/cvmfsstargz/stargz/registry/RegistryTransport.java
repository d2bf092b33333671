package org.cvmfsstargz.stargz.registry;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one logical registry request over the JDK {@link HttpClient}: checks every URL against
 * the {@link HostPolicy} before connecting, follows redirects itself so that the
 * {@code Authorization} header never reaches another origin (blob GETs redirect to storage whose
 * presigned URL is its own credential), answers one 401 challenge through the {@link TokenCache}
 * and sends again, and retries connection failures, 429 and 5xx (not 501) with backoff within
 * the call's attempts and deadline. Other statuses fail at once. Only a challenge from the
 * call's own origin is answered: one from a redirect target (storage) would otherwise send the
 * registry's credentials to whatever realm that host names. Every body is read under the
 * {@link RegistryOptions.BodyDeadlines} ({@link BodyWatchdog}).
 *
 * <p>Thread-safe. The owner closes it, which shuts down the HTTP client.
 */
final class RegistryTransport implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryTransport.class);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_ERROR_BODY = 4096;
    private static final int MAX_TOKEN_BODY = 1 << 20;
    private static final int MAX_DRAINED = 1 << 16;
    private static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
    private static final String USER_AGENT = "cvmfs-stargz-snapshotter";

    /** The registry host and scope a request authenticates for. */
    record AuthScope(String host, String scope) {}

    /**
     * One logical request.
     *
     * @param scope where to find and store credentials for it; empty for token requests
     * @param authorization a fixed {@code Authorization} value (a token request's Basic), or empty
     * @param what what is being fetched, for messages (e.g. "blob sha256:... of host/repo")
     * @param retried whether failures are sent again; false where the caller has somewhere else
     *     to go (a mirror, before the registry itself)
     * @param form a form to send as the body ({@code application/x-www-form-urlencoded}); empty for none
     * @param streamed whether the answer's body is handed to a caller as a stream of unknown length
     *     and pace (a whole blob), so only the idle deadline applies to it, not the overall one
     */
    record Call(String method, URI uri, Map<String, String> headers, Optional<AuthScope> scope,
            Optional<String> authorization, String what, boolean retried, Optional<String> form, boolean streamed) {
        Call {
            headers = Map.copyOf(headers);
            Objects.requireNonNull(form, "form");
        }

        /** A call whose body is read whole, under both body deadlines. */
        Call(String method, URI uri, Map<String, String> headers, Optional<AuthScope> scope,
                Optional<String> authorization, String what, boolean retried, Optional<String> form) {
            this(method, uri, headers, scope, authorization, what, retried, form, false);
        }

        /** This call, its body handed on as a stream. */
        Call asStream() {
            return new Call(method, uri, headers, scope, authorization, what, retried, form, true);
        }

        /** A call without a body. */
        Call(String method, URI uri, Map<String, String> headers, Optional<AuthScope> scope,
                Optional<String> authorization, String what, boolean retried) {
            this(method, uri, headers, scope, authorization, what, retried, Optional.empty());
        }

        /** A call without a body whose failures are retried. */
        Call(String method, URI uri, Map<String, String> headers, Optional<AuthScope> scope,
                Optional<String> authorization, String what) {
            this(method, uri, headers, scope, authorization, what, true, Optional.empty());
        }

        @Override
        public String toString() {
            return "Call[" + method + " " + RegistryException.redacted(uri) + ", " + what + "]";
        }
    }

    private final HttpClient http;
    private final RegistryOptions options;
    private final HostPolicy policy;
    private final TokenCache tokens;
    private final BodyWatchdog watchdog = new BodyWatchdog();

    RegistryTransport(RegistryOptions options, InstantSource clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.policy = new HostPolicy(options.insecureHosts(), options.trustedCertificates().keySet());
        this.tokens = new TokenCache(options.credentials(), clock);
        // One client, so one connection pool: requests to a registry or its storage reuse
        // connections, and over HTTP/2 share one. NEVER: redirects are followed by hand, see
        // exchange(). HTTP/2 is offered in the TLS handshake (ALPN) and the JDK keeps HTTP/1.1
        // where the server does not take it; plain HTTP is pinned to HTTP/1.1 per request.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_2)
                .connectTimeout(options.connectTimeout())
                .sslContext(HostTrust.sslContext(options.trustedCertificates()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    HostPolicy policy() {
        return policy;
    }

    /**
     * Sends {@code call}; returns the first 2xx response, whose body the caller must close.
     *
     * @throws RegistryException for any other final status, a refused URL or no answer in time
     */
    HttpResponse<InputStream> send(Call call) throws RegistryException {
        return send(call, response -> response);
    }

    /** Reads what a caller wants from a 2xx response's body; an {@link IOException} is a failed transfer. */
    @FunctionalInterface
    interface BodyReader<T> {
        T read(HttpResponse<InputStream> response) throws IOException, RegistryException;
    }

    /**
     * Sends {@code call} and reads the first 2xx response with {@code reader}, which closes the
     * body. A connection that fails while the body is read (a reset, a close mid-body) is retried
     * like one that fails before the headers: within the same attempts and deadline.
     *
     * @throws RegistryException for any other final status, a refused URL or no answer in time
     */
    <T> T send(Call call, BodyReader<T> reader) throws RegistryException {
        long deadline = System.nanoTime() + options.retry().deadline().toNanos();
        boolean challenged = false;
        for (int attempt = 1; ; attempt++) {
            Optional<String> authorization = call.authorization().isPresent() ? call.authorization()
                    : call.scope().flatMap(s -> tokens.cached(s.host(), s.scope()));
            HttpResponse<InputStream> response;
            try {
                response = exchange(call, authorization, deadline);
                if (response.statusCode() / 100 == 2) {
                    return reader.read(response);
                }
            } catch (IOException e) {
                Duration wait = backoff(attempt);
                if (!mayRetry(call, attempt, deadline, wait)) {
                    throw new RegistryException(RegistryException.Kind.UNREACHABLE, call.what() + ": "
                            + call.method() + " " + RegistryException.redacted(call.uri()) + " failed after "
                            + attempt + " attempt(s): " + e, e);
                }
                LOG.debug("registry request failed, retrying method={} url={} attempt={} wait_ms={} error={}",
                        call.method(), RegistryException.redacted(call.uri()), attempt, wait.toMillis(), e.toString());
                sleep(wait, call);
                continue;
            }
            int status = response.statusCode();
            if (status == 401 && call.scope().isPresent() && !challenged) {
                Optional<AuthChallenge> challenge = AuthChallenge.choose(
                        response.headers().allValues("WWW-Authenticate"));
                if (challenge.isPresent()) {
                    discard(response);
                    if (!sameOrigin(response.uri(), call.uri())) {
                        throw RegistryException.foreignChallenge(call.method(), response.uri(), call.uri(),
                                call.what());
                    }
                    challenged = true;
                    AuthScope scope = call.scope().get();
                    tokens.invalidate(scope.host(), scope.scope());
                    tokens.answer(challenge.get(), scope.host(), scope.scope(), call.what(), tokenEndpoint(call.what()));
                    attempt--; // answering a challenge is not a retry
                    continue;
                }
            }
            if (retryable(status)) {
                Optional<Duration> asked = retryAfter(response);
                Duration wait = asked.isPresent() ? asked.get() : backoff(attempt);
                if (mayRetry(call, attempt, deadline, wait)) {
                    discard(response);
                    LOG.debug("registry answered {}, retrying method={} url={} attempt={} wait_ms={}", status,
                            call.method(), RegistryException.redacted(response.uri()), attempt, wait.toMillis());
                    sleep(wait, call);
                    continue;
                }
            }
            throw RegistryException.forStatus(status, call.method(), response.uri(), call.what(),
                    errorBody(response));
        }
    }

    /** Sends {@code call} once per hop, following up to {@value #MAX_REDIRECTS} redirects. */
    private HttpResponse<InputStream> exchange(Call call, Optional<String> authorization, long deadline)
            throws IOException, RegistryException {
        URI uri = call.uri();
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            policy.check(uri, call.what());
            HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                    .method(call.method(), call.form().map(HttpRequest.BodyPublishers::ofString)
                            .orElse(HttpRequest.BodyPublishers.noBody()))
                    .timeout(timeout(deadline, call))
                    .header("User-Agent", USER_AGENT);
            call.headers().forEach(request::header);
            if (call.form().isPresent()) {
                request.header("Content-Type", "application/x-www-form-urlencoded");
            }
            if (authorization.isPresent() && sameOrigin(uri, call.uri())) {
                request.header("Authorization", authorization.get());
            }
            if ("http".equalsIgnoreCase(uri.getScheme())) {
                // Plain HTTP would try an h2c upgrade (Upgrade: h2c), which registries and the
                // proxies before them mishandle; they speak HTTP/1.1, so ask for nothing else.
                request.version(HttpClient.Version.HTTP_1_1);
            }
            HttpResponse<InputStream> response = sendOnce(request.build(), call, uri);
            if (!isRedirect(response.statusCode())) {
                return response;
            }
            Optional<String> location = response.headers().firstValue("Location");
            discard(response);
            if (location.isEmpty()) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, call.what() + ": "
                        + RegistryException.redacted(uri) + " answered " + response.statusCode()
                        + " without a Location");
            }
            try {
                uri = uri.resolve(location.get().trim());
            } catch (IllegalArgumentException e) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, call.what() + ": "
                        + RegistryException.redacted(uri) + " redirected to a malformed URL");
            }
        }
        throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, call.what() + ": more than "
                + MAX_REDIRECTS + " redirects from " + RegistryException.redacted(call.uri()));
    }

    /** One HTTP exchange; its body, once the headers are in, under the body deadlines. */
    private HttpResponse<InputStream> sendOnce(HttpRequest request, Call call, URI uri)
            throws IOException, RegistryException {
        RegistryOptions.BodyDeadlines deadlines = options.bodyDeadlines();
        Optional<Duration> total = call.streamed() ? Optional.empty() : Optional.of(deadlines.total());
        // mapping() hands on the JDK's stream at once (its getBody() is already complete), so the
        // watch starts with the headers, on the client's thread, and blocks nothing.
        HttpResponse.BodyHandler<InputStream> watched = info -> HttpResponse.BodySubscribers.mapping(
                HttpResponse.BodySubscribers.ofInputStream(),
                body -> watchdog.watch(body, deadlines.idle(), total, call.what(), uri));
        try {
            return http.send(request, watched);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, call.what() + ": interrupted", e);
        }
    }

    /** The token service, for a request fetching {@code what}. */
    private TokenCache.TokenEndpoint tokenEndpoint(String what) {
        return new TokenCache.TokenEndpoint() {
            @Override
            public byte[] get(URI uri, Optional<String> authorization) throws RegistryException {
                return fetchToken(new Call("GET", uri, Map.of("Accept", "application/json"), Optional.empty(),
                        authorization, "token for " + what));
            }

            @Override
            public byte[] post(URI uri, String form) throws RegistryException {
                return fetchToken(new Call("POST", uri, Map.of("Accept", "application/json"), Optional.empty(),
                        Optional.empty(), "token for " + what, true, Optional.of(form)));
            }
        };
    }

    /** The token service's answer body; Basic credentials go only to the realm's own origin. */
    private byte[] fetchToken(Call call) throws RegistryException {
        URI uri = call.uri();
        HttpResponse<InputStream> response = send(call);
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(MAX_TOKEN_BODY + 1);
            if (bytes.length > MAX_TOKEN_BODY) {
                throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, call.what()
                        + ": token service answered more than " + MAX_TOKEN_BODY + " bytes");
            }
            return bytes;
        } catch (IOException e) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, call.what() + ": reading the answer of "
                    + RegistryException.redacted(uri) + " failed: " + e, e);
        }
    }

    private Duration timeout(long deadline, Call call) throws RegistryException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, call.what() + ": no answer from "
                    + RegistryException.redacted(call.uri()) + " within " + options.retry().deadline());
        }
        Duration remaining = Duration.ofNanos(left);
        return remaining.compareTo(options.requestTimeout()) < 0 ? remaining : options.requestTimeout();
    }

    private boolean mayRetry(Call call, int attempt, long deadline, Duration wait) {
        return call.retried() && attempt < options.retry().maxAttempts() && System.nanoTime() + wait.toNanos() < deadline;
    }

    /** Exponential from the initial backoff, capped, plus up to a quarter of random jitter. */
    private Duration backoff(int attempt) {
        RegistryOptions.Retry retry = options.retry();
        Duration base = retry.initialBackoff().multipliedBy(1L << Math.min(attempt - 1, 20));
        if (base.compareTo(retry.maxBackoff()) > 0) {
            base = retry.maxBackoff();
        }
        return base.plusNanos(ThreadLocalRandom.current().nextLong(base.toNanos() / 4 + 1));
    }

    private static Optional<Duration> retryAfter(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").filter(v -> v.trim().matches("[0-9]{1,6}"))
                .map(v -> Duration.ofSeconds(Long.parseLong(v.trim())));
    }

    private static boolean retryable(int status) {
        return status == 429 || (status >= 500 && status <= 599 && status != 501);
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    static boolean sameOrigin(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().toLowerCase(Locale.ROOT).equals("https") ? 443 : 80;
    }

    private static void sleep(Duration wait, Call call) throws RegistryException {
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(RegistryException.Kind.UNREACHABLE, call.what() + ": interrupted", e);
        }
    }

    /** Reads a little of an unwanted body, so a short one frees its connection, then closes it. */
    static void discard(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            body.readNBytes(MAX_DRAINED);
        } catch (IOException e) {
            // Nothing to keep from an unwanted body.
        }
    }

    /** The start of an error answer's body, for the registry's own error text; empty if unreadable. */
    private static byte[] errorBody(HttpResponse<InputStream> response) {
        try (InputStream body = response.body()) {
            return body.readNBytes(MAX_ERROR_BODY);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    @Override
    public void close() {
        watchdog.close();
        http.shutdown();
        try {
            if (!http.awaitTermination(CLOSE_GRACE)) {
                http.shutdownNow();
            }
        } catch (InterruptedException e) {
            http.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
