package org.cvmfsstargz.snapshotter.config;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * The {@code [metrics]} section: whether and where the daemon serves Prometheus metrics
 * ({@code docs/metrics.md}). Every key has a default; a missing key (null from the parser) takes
 * it here, once, at load.
 *
 * <p>The endpoint is plain, unauthenticated HTTP and tells whoever reads it which repositories
 * and proxies the node uses and how its pulls go. So it listens on the loopback interface unless
 * {@code allow_non_loopback} says otherwise: an address copied from another daemon's
 * configuration ({@code 0.0.0.0:9750}) does not expose it on the node's network by itself.
 *
 * @param enabled          whether the endpoint is served at all
 * @param address          {@code host:port} with the host an IP literal ({@code 127.0.0.1:9750},
 *                         {@code [::1]:9750}); a name would need DNS to decide what it binds
 * @param allowNonLoopback whether {@code address} may name a host other than a loopback one
 */
public record MetricsConfig(Boolean enabled, String address, Boolean allowNonLoopback) {
    /**
     * Loopback, so that only the node itself (a Prometheus agent, a sidecar, {@code curl}) can
     * read it; 9750 lies in the range Prometheus exporters use and is not the CVMFS client
     * exporter's 9868, which a CVMFS node may run beside this daemon.
     */
    public static final String DEFAULT_ADDRESS = "127.0.0.1:9750";
    private static final String ADDRESS_KEY = "metrics.address";

    public MetricsConfig {
        enabled = Optional.ofNullable(enabled).orElse(true);
        address = Optional.ofNullable(address).orElse(DEFAULT_ADDRESS).strip();
        allowNonLoopback = Optional.ofNullable(allowNonLoopback).orElse(false);
        InetSocketAddress parsed = parse(address);
        if (!parsed.getAddress().isLoopbackAddress() && !allowNonLoopback) {
            throw new ConfigException(ADDRESS_KEY, "\"" + address + "\" is not a loopback address; the endpoint has"
                    + " no authentication, so set metrics.allow_non_loopback = true to serve it on the network");
        }
    }

    public static MetricsConfig defaults() {
        return new MetricsConfig(null, null, null);
    }

    /** The socket address to bind, from {@link #address()}. */
    public InetSocketAddress bindAddress() {
        return parse(address);
    }

    private static InetSocketAddress parse(String address) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw invalid(address, "expected host:port, e.g. " + DEFAULT_ADDRESS);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw invalid(address, "an IPv6 host goes in brackets, e.g. [::1]:9750");
        }
        InetAddress ip;
        try {
            ip = InetAddress.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw invalid(address, "the host must be an IP address (127.0.0.1, [::1]), not a name");
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw invalid(address, "the port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw invalid(address, "the port must be between 1 and 65535");
        }
        return new InetSocketAddress(ip, port);
    }

    private static ConfigException invalid(String address, String reason) {
        return new ConfigException(ADDRESS_KEY, "\"" + address + "\": " + reason);
    }
}
