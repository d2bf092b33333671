package org.cvmfsstargz.snapshotter.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * One {@code [registry.hosts."<host[:port]>"]} table: settings for one registry host, as
 * containerd's {@code hosts.toml} gives them to containerd itself (which never passes them to a
 * snapshotter). Defaults are applied here; the values are checked, with the host's key in each
 * message, by {@link RegistryConfig}.
 *
 * @param mirrors  mirror URLs ({@code https://mirror.example[:port][/prefix]}) tried in order
 *                 before the host for manifests and blobs
 * @param caFile   a PEM file of CA certificates trusted for this host besides the system's; the
 *                 host is then reached over HTTPS even when it is loopback
 * @param insecure reach the host over plain HTTP, as {@code registry.insecure_hosts} does
 */
public record RegistryHostConfig(List<String> mirrors, Path caFile, Boolean insecure) {
    public RegistryHostConfig {
        mirrors = List.copyOf(Optional.ofNullable(mirrors).orElse(List.of()));
        insecure = Optional.ofNullable(insecure).orElse(false);
    }

    /** The CA file, if one is set. */
    public Optional<Path> ca() {
        return Optional.ofNullable(caFile).filter(p -> !p.toString().isEmpty());
    }
}
