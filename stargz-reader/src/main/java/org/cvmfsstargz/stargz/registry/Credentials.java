package org.cvmfsstargz.stargz.registry;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the registry client finds a user name and password (or an identity token) for a registry
 * host, asked only when a registry or its token service demands authentication.
 * {@link DockerConfigCredentials} reads Docker's {@code config.json} and its credential helpers.
 * Implementations must be thread-safe.
 */
@FunctionalInterface
public interface Credentials {
    /** No credentials anywhere: every pull is anonymous. */
    Credentials ANONYMOUS = host -> Optional.empty();

    /**
     * The credentials for {@code host} ({@code host[:port]} as the image reference names it,
     * {@code registry-1.docker.io} for Docker Hub), or empty to stay anonymous.
     *
     * @throws RegistryException {@link RegistryException.Kind#NO_CREDENTIALS} if the place that
     *     should know them cannot answer (a credential helper missing, failing or too slow)
     */
    Optional<UserPassword> lookup(String host) throws RegistryException;

    /**
     * A user name and password for one registry, or an identity token: Docker's convention is the
     * user {@value #IDENTITY_TOKEN_USER} with the token as password. An identity token is an OAuth
     * refresh token, traded at the registry's token service for access tokens.
     *
     * <p>Immutable and thread-safe. {@link #toString()} never shows the password or token.
     */
    record UserPassword(String user, String password) {
        /** The user name that marks {@link #password()} as an identity token (Docker's credential helpers). */
        public static final String IDENTITY_TOKEN_USER = "<token>";

        public UserPassword {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("a registry user name cannot contain ':' (Basic auth splits on it)");
            }
        }

        /** An identity token (OAuth refresh token) instead of a password. */
        public static UserPassword identityToken(String token) {
            return new UserPassword(IDENTITY_TOKEN_USER, token);
        }

        /** True if {@link #password()} is an identity token, to be traded rather than sent. */
        public boolean isIdentityToken() {
            return user.equals(IDENTITY_TOKEN_USER);
        }

        @Override
        public String toString() {
            return isIdentityToken() ? "UserPassword[identity token=***]"
                    : "UserPassword[user=" + user + ", password=***]";
        }
    }
}
