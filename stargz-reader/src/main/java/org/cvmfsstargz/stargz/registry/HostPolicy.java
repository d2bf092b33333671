package org.cvmfsstargz.stargz.registry;

import java.net.InetAddress;
import java.net.URI;
import java.util.Locale;
import java.util.Set;

/**
 * Which scheme a registry host is reached with, and the check every outgoing URL passes before a
 * connection is attempted: plain HTTP only to loopback hosts (127.0.0.0/8, ::1, localhost, as
 * containerd treats them) and to hosts the operator listed as insecure; HTTPS everywhere else.
 * The check also covers redirect targets and token realms, so an HTTPS registry cannot downgrade
 * a request (and its credentials) to plain HTTP. Decided from the URL text alone: no name is
 * resolved here.
 *
 * <p>Immutable and thread-safe.
 */
final class HostPolicy {
    private final Set<String> insecureHosts;
    private final Set<String> tlsHosts;

    /**
     * @param insecureHosts {@code host} or {@code host:port} entries that may be reached over plain HTTP
     * @param tlsHosts {@code host} or {@code host:port} entries reached over HTTPS even where plain
     *     HTTP is allowed (a loopback registry with its own CA)
     */
    HostPolicy(Set<String> insecureHosts, Set<String> tlsHosts) {
        this.insecureHosts = Set.copyOf(insecureHosts);
        this.tlsHosts = Set.copyOf(tlsHosts);
    }

    HostPolicy(Set<String> insecureHosts) {
        this(insecureHosts, Set.of());
    }

    /** The base URL of a registry's API, {@code scheme://host[:port]}. */
    URI base(String registryHost) {
        String lower = registryHost.toLowerCase(Locale.ROOT);
        boolean tls = tlsHosts.contains(lower) || tlsHosts.contains(hostOf(lower));
        return URI.create((!tls && plainHttpAllowed(registryHost) ? "http://" : "https://") + registryHost);
    }

    /** Refuses {@code uri} unless it is HTTPS, or plain HTTP to an allowed host. Sends nothing. */
    void check(URI uri, String what) throws RegistryException {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (scheme.equals("https") && uri.getHost() != null) {
            return;
        }
        if (scheme.equals("http") && uri.getHost() != null) {
            if (plainHttpAllowed(uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()))) {
                return;
            }
            throw new RegistryException(RegistryException.Kind.PLAIN_HTTP_REFUSED, what + ": refusing plain HTTP to "
                    + RegistryException.redacted(uri) + "; " + uri.getHost()
                    + " is not a loopback host; list it as an insecure registry to allow this");
        }
        throw new RegistryException(RegistryException.Kind.INVALID_CONTENT, what + ": refusing URL "
                + RegistryException.redacted(uri) + ": only http and https URLs with a host are followed");
    }

    /** True for a loopback host or a host listed as insecure, as {@code host} or {@code host:port}. */
    boolean plainHttpAllowed(String authority) {
        String lower = authority.toLowerCase(Locale.ROOT);
        String host = hostOf(lower);
        return isLoopback(host) || insecureHosts.contains(lower) || insecureHosts.contains(host)
                || insecureHosts.contains("[" + host + "]");
    }

    /** True for {@code localhost}, an IPv4 literal in 127.0.0.0/8 or the IPv6 literal ::1. */
    static boolean isLoopback(String host) {
        String bare = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (bare.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (!bare.matches("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*")) {
            return false; // a name: never resolved here
        }
        try {
            return InetAddress.ofLiteral(bare).isLoopbackAddress();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The host part of {@code host[:port]} or {@code [v6][:port]}, brackets removed. */
    private static String hostOf(String authority) {
        if (authority.startsWith("[")) {
            int end = authority.indexOf(']');
            return end < 0 ? authority : authority.substring(1, end);
        }
        int colon = authority.lastIndexOf(':');
        return colon < 0 ? authority : authority.substring(0, colon);
    }
}
