package org.cvmfsstargz.stargz.registry;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Objects;

/**
 * A mirror of a registry, as a containerd {@code hosts.toml} {@code [host."..."]} entry names
 * one: an endpoint {@code scheme://host[:port][/prefix]}. Its API root is {@code <prefix>/v2}
 * ({@code /v2} is appended unless the prefix already ends with it, as containerd does), and every
 * request to it carries {@code ?ns=<upstream registry>} so that a mirror serving several
 * registries knows which one is meant. Whether plain HTTP is allowed is checked against the
 * insecure hosts by {@link RegistryOptions}.
 *
 * <p>Immutable.
 *
 * @param endpoint the mirror's URL, normalised: lower-case scheme and host, no trailing slash
 */
public record Mirror(URI endpoint) {
    public Mirror {
        Objects.requireNonNull(endpoint, "endpoint");
        String scheme = endpoint.getScheme() == null ? "" : endpoint.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || endpoint.getHost() == null
                || endpoint.getRawUserInfo() != null || endpoint.getRawQuery() != null
                || endpoint.getRawFragment() != null) {
            throw new IllegalArgumentException("mirror '" + endpoint + "' must be http(s)://HOST[:PORT][/PATH],"
                    + " without credentials, query or fragment");
        }
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath().replaceAll("/+$", "");
        endpoint = URI.create(scheme + "://" + endpoint.getRawAuthority().toLowerCase(Locale.ROOT) + path);
    }

    /** The mirror at {@code url}, e.g. {@code https://mirror.example:5000/cache}. */
    public static Mirror parse(String url) {
        try {
            return new Mirror(new URI(url.trim()));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("mirror '" + url + "' is not a URL: " + e.getMessage(), e);
        }
    }

    /** {@code host[:port]}, the key for its credentials and the plain-HTTP check. */
    public String authority() {
        return endpoint.getRawAuthority();
    }

    /** True if the mirror is reached over plain HTTP. */
    public boolean plainHttp() {
        return endpoint.getScheme().equals("http");
    }

    /** The root of the mirror's distribution API, {@code <endpoint>/v2}. */
    URI apiRoot() {
        String path = endpoint.getRawPath();
        return URI.create(endpoint + (path.endsWith("/v2") ? "" : "/v2"));
    }
}
