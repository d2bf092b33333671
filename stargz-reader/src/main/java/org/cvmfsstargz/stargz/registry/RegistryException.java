package org.cvmfsstargz.stargz.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * Why a registry call failed, as one of a closed set of {@link Kind}s built in one place from the
 * HTTP status or the transport failure. The message names the request (method and URL, never a
 * credential) or the image reference, the status when there was one, and a fix where one is known.
 * Expected conditions (a status, a digest mismatch) carry no stack trace; transport failures keep
 * their cause.
 */
public final class RegistryException extends Exception {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_DETAIL = 300;

    /** What went wrong, coarse enough for a caller to decide whether to fall back or give up. */
    public enum Kind {
        /** 404: no such repository, manifest or blob. */
        NOT_FOUND,
        /** 401 after authenticating, or a challenge this client cannot answer. */
        UNAUTHORIZED,
        /** 403: authenticated but not allowed. */
        DENIED,
        /** 429 still after the last retry. */
        RATE_LIMITED,
        /** 5xx still after the last retry. */
        SERVER_ERROR,
        /** Any other 4xx, or an unexpected status. */
        CLIENT_ERROR,
        /** No answer: connection refused or reset, timeout, the overall deadline passed. */
        UNREACHABLE,
        /** Plain HTTP to a host that is neither loopback nor listed as insecure; nothing was sent. */
        PLAIN_HTTP_REFUSED,
        /** The answer contradicts itself or the request: wrong digest, malformed JSON, bad range. */
        INVALID_CONTENT,
        /** A well-formed answer this client does not handle (media type, platform). */
        UNSUPPORTED,
        /**
         * The configured source of credentials could not answer: a credential helper missing,
         * failing or too slow. Nothing was sent with credentials.
         */
        NO_CREDENTIALS
    }

    private final Kind kind;
    private final int status;

    private RegistryException(Kind kind, int status, String message, Throwable cause) {
        super(message, cause, true, cause != null);
        this.kind = Objects.requireNonNull(kind, "kind");
        this.status = status;
    }

    /** A failure with no HTTP status and no cause. */
    public RegistryException(Kind kind, String message) {
        this(kind, 0, message, null);
    }

    /** A failure with no HTTP status, caused by {@code cause} (kept, with its stack trace). */
    public RegistryException(Kind kind, String message, Throwable cause) {
        this(kind, 0, message, cause);
    }

    /**
     * The exception for a final HTTP {@code status} answering {@code method uri}, for
     * {@code what} (e.g. "manifest of docker.io/library/busybox:latest"); {@code errorBody} is the
     * start of the answer's body, whose registry error codes and messages
     * ({@code {"errors":[{"code","message"}]}}) the message quotes.
     */
    public static RegistryException forStatus(int status, String method, URI uri, String what, byte[] errorBody) {
        String detail = registryErrors(errorBody);
        Kind kind = switch (status) {
            case 401 -> Kind.UNAUTHORIZED;
            case 403 -> Kind.DENIED;
            case 404 -> Kind.NOT_FOUND;
            case 429 -> Kind.RATE_LIMITED;
            default -> status >= 500 ? Kind.SERVER_ERROR : Kind.CLIENT_ERROR;
        };
        String hint = switch (kind) {
            case UNAUTHORIZED -> "; check the credentials for " + uri.getAuthority();
            case DENIED -> "; the credentials for " + uri.getAuthority() + " lack pull access";
            case RATE_LIMITED, SERVER_ERROR -> "; gave up after retrying";
            default -> "";
        };
        return new RegistryException(kind, status, what + ": " + method + " " + redacted(uri) + " answered "
                + status + (detail.isEmpty() ? "" : " (" + detail + ")") + hint, null);
    }

    /**
     * The exception for a 401 challenge from {@code uri}, reached by a redirect from {@code origin}:
     * not answered, since the credentials are {@code origin}'s, and a challenge's realm may name
     * any host.
     */
    public static RegistryException foreignChallenge(String method, URI uri, URI origin, String what) {
        return new RegistryException(Kind.UNAUTHORIZED, 401, what + ": " + method + " " + redacted(uri)
                + " answered 401 with an authentication challenge after a redirect from " + origin.getAuthority()
                + "; the credentials of " + origin.getAuthority() + " are not sent to " + uri.getAuthority()
                + " or its token service; the registry should redirect to a URL that needs none (presigned)", null);
    }

    private static String registryErrors(byte[] body) {
        try {
            List<String> parts = new ArrayList<>();
            for (JsonNode error : JSON.readTree(body).path("errors")) {
                parts.add((error.path("code").asText("") + ": " + error.path("message").asText("")).trim());
            }
            String detail = String.join("; ", parts).replaceAll("\\p{Cntrl}", " ");
            return detail.length() > MAX_DETAIL ? detail.substring(0, MAX_DETAIL) + "..." : detail;
        } catch (IOException | RuntimeException e) {
            return ""; // not the registry's JSON: nothing worth quoting
        }
    }

    public Kind kind() {
        return kind;
    }

    /** The final HTTP status, when the failure was one. */
    public OptionalInt status() {
        return status == 0 ? OptionalInt.empty() : OptionalInt.of(status);
    }

    /**
     * {@code uri} without its query: redirect targets are often presigned storage URLs whose
     * query string is a bearer credential.
     */
    static String redacted(URI uri) {
        String text = uri.toString();
        int query = text.indexOf('?');
        return query < 0 ? text : text.substring(0, query) + "?...";
    }
}
