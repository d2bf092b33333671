package org.cvmfsstargz.stargz.registry;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One place a request for an image's content may go: a {@link Mirror}, or the registry itself.
 * Immutable.
 *
 * @param apiRoot the distribution API root, {@code scheme://host[:port][/prefix]/v2}
 * @param authority {@code host[:port]}: the key for credentials and tokens
 * @param namespace for a mirror, the upstream registry sent as {@code ?ns=}; empty for the registry
 */
record Endpoint(URI apiRoot, String authority, Optional<String> namespace) {
    Endpoint {
        Objects.requireNonNull(apiRoot, "apiRoot");
        Objects.requireNonNull(authority, "authority");
        Objects.requireNonNull(namespace, "namespace");
    }

    /** The registry of {@code reference} itself, reached with the scheme {@code policy} gives it. */
    static Endpoint upstream(ImageReference reference, HostPolicy policy) {
        return new Endpoint(policy.base(reference.registryHost()).resolve("/v2"), reference.registryHost(),
                Optional.empty());
    }

    /** {@code mirror}, standing in for the registry of {@code reference}. */
    static Endpoint mirror(Mirror mirror, ImageReference reference) {
        return new Endpoint(mirror.apiRoot(), mirror.authority(), Optional.of(reference.registry()));
    }

    boolean isMirror() {
        return namespace.isPresent();
    }

    /**
     * A {@code method} request for {@code /v2/<repository><suffix>} of {@code reference}, with
     * pull credentials for this endpoint; a mirror's failures are not retried, since the next
     * endpoint is the fallback.
     */
    RegistryTransport.Call call(String method, ImageReference reference, String suffix, Map<String, String> headers,
            String what) {
        // containerd's convention (hosts.toml): ns is query-escaped, so host:port becomes host%3Aport.
        String query = namespace.map(ns -> "?ns=" + URLEncoder.encode(ns, StandardCharsets.UTF_8)).orElse("");
        URI uri = URI.create(apiRoot + "/" + reference.repository() + suffix + query);
        RegistryTransport.AuthScope scope = new RegistryTransport.AuthScope(authority,
                TokenCache.pullScope(reference.repository()));
        return new RegistryTransport.Call(method, uri, headers, Optional.of(scope), Optional.empty(), what,
                !isMirror());
    }
}
