package org.cvmfsstargz.stargz.registry;

import java.util.Objects;
import java.util.Optional;

/**
 * Where the registry client finds a user name and password for a registry host, asked only when
 * a registry or its token service demands authentication. Implementations must be thread-safe;
 * reading Docker's {@code config.json} is one, to come.
 */
@FunctionalInterface
public interface Credentials {
    /** No credentials anywhere: every pull is anonymous. */
    Credentials ANONYMOUS = host -> Optional.empty();

    /**
     * The credentials for {@code host} ({@code host[:port]} as the image reference names it,
     * {@code registry-1.docker.io} for Docker Hub), or empty to stay anonymous.
     */
    Optional<UserPassword> lookup(String host);

    /**
     * A user name and password (or identity token) for one registry.
     *
     * <p>Immutable and thread-safe. {@link #toString()} never shows the password.
     */
    record UserPassword(String user, String password) {
        public UserPassword {
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
            if (user.indexOf(':') >= 0) {
                throw new IllegalArgumentException("a registry user name cannot contain ':' (Basic auth splits on it)");
            }
        }

        @Override
        public String toString() {
            return "UserPassword[user=" + user + ", password=***]";
        }
    }
}
