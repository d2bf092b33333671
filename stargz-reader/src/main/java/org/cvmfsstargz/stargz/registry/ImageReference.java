package org.cvmfsstargz.stargz.registry;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cvmfsstargz.stargz.format.Digest;

/**
 * An image reference {@code [host[:port]/]path[:tag][@sha256:<hex>]}, normalised as Docker and
 * containerd do: no host means {@code docker.io}, a single-segment Docker Hub name gains the
 * {@code library/} prefix, and neither tag nor digest means {@code :latest}. The first segment is
 * a host only if it contains a dot or a colon, is {@code localhost}, or has an upper-case letter
 * (repository names are lower case), so {@code ubuntu/app} is a Docker Hub path.
 *
 * <p>Immutable and thread-safe.
 *
 * @param registry the registry as written ({@code docker.io} for Docker Hub, {@code host:port})
 * @param repository the repository path, e.g. {@code library/busybox}
 * @param tag the tag, absent when only a digest was given
 * @param digest the manifest digest, when the reference pins one
 */
public record ImageReference(String registry, String repository, Optional<String> tag, Optional<Digest> digest) {
    /** Docker Hub's name in references. */
    public static final String DOCKER_HUB = "docker.io";
    /** The host that actually serves Docker Hub's registry API. */
    public static final String DOCKER_HUB_HOST = "registry-1.docker.io";

    private static final int MAX_NAME_LENGTH = 255;
    private static final Pattern PATH_COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");
    private static final String DOMAIN_COMPONENT = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9])";
    private static final Pattern DOMAIN_NAME = Pattern.compile(
            DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]");
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    public ImageReference {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        validateRegistry(registry, registry);
        validateRepository(repository, repository);
        tag.ifPresent(t -> {
            if (!TAG.matcher(t).matches()) {
                throw invalid(t, "tag '" + t + "' must be 1-128 of [A-Za-z0-9_.-], not starting with '.' or '-'");
            }
        });
        if (tag.isEmpty() && digest.isEmpty()) {
            throw new IllegalArgumentException("image reference needs a tag or a digest");
        }
    }

    /**
     * Parses a reference as {@code docker pull} and {@code ctr images pull} accept it.
     *
     * @throws IllegalArgumentException naming the part at fault
     */
    public static ImageReference parse(String text) {
        Objects.requireNonNull(text, "reference");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty image reference");
        }
        if (text.codePoints().anyMatch(c -> c <= ' ' || c >= 0x7f)) {
            throw invalid(text, "it contains a space, a control or a non-ASCII character");
        }
        if (text.contains("://")) {
            throw invalid(text, "write it without a scheme (host[:port]/path[:tag])");
        }
        String rest = text;
        Optional<Digest> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            String digestText = rest.substring(at + 1);
            if (!digestText.startsWith("sha256:")) {
                throw invalid(text, "only sha256 digests are supported, got '" + digestText + "'");
            }
            try {
                digest = Optional.of(Digest.parse(digestText));
            } catch (IllegalArgumentException e) {
                throw invalid(text, e.getMessage());
            }
            rest = rest.substring(0, at);
        }
        Optional<String> tag = Optional.empty();
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = Optional.of(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = Optional.of("latest");
        }
        String registry = DOCKER_HUB;
        String repository = rest;
        int slash = rest.indexOf('/');
        if (slash >= 0 && isHost(rest.substring(0, slash))) {
            registry = rest.substring(0, slash);
            repository = rest.substring(slash + 1);
        }
        if (registry.equals("index.docker.io")) {
            registry = DOCKER_HUB;
        }
        if (registry.equals(DOCKER_HUB) && !repository.contains("/")) {
            repository = "library/" + repository;
        }
        validateRegistry(registry, text);
        validateRepository(repository, text);
        return new ImageReference(registry, repository, tag, digest);
    }

    /** The {@code host[:port]} to connect to: {@value #DOCKER_HUB_HOST} for Docker Hub. */
    public String registryHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_HOST : registry;
    }

    /** What goes after {@code /manifests/}: the digest when pinned, else the tag. */
    public String manifestReference() {
        return digest.map(Digest::value).orElseGet(tag::orElseThrow);
    }

    /** The same repository pinned to {@code manifest}, keeping the tag for messages. */
    public ImageReference withDigest(Digest manifest) {
        return new ImageReference(registry, repository, tag, Optional.of(manifest));
    }

    @Override
    public String toString() {
        return registry + "/" + repository + tag.map(t -> ":" + t).orElse("")
                + digest.map(d -> "@" + d).orElse("");
    }

    private static boolean isHost(String segment) {
        return segment.contains(".") || segment.contains(":") || segment.equals("localhost")
                || !segment.toLowerCase(Locale.ROOT).equals(segment);
    }

    private static void validateRegistry(String registry, String text) {
        String host = registry;
        int colon = registry.lastIndexOf(':');
        if (colon > registry.lastIndexOf(']')) {
            String port = registry.substring(colon + 1);
            if (!PORT.matcher(port).matches() || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw invalid(text, "port '" + port + "' of registry '" + registry + "' is not 1-65535");
            }
            host = registry.substring(0, colon);
        }
        if (!DOMAIN_NAME.matcher(host).matches() && !IPV6.matcher(host).matches()) {
            throw invalid(text, "registry host '" + host + "' is not a host name or an address");
        }
    }

    private static void validateRepository(String repository, String text) {
        if (repository.length() > MAX_NAME_LENGTH) {
            throw invalid(text, "repository name is longer than " + MAX_NAME_LENGTH + " characters");
        }
        for (String component : repository.split("/", -1)) {
            if (!PATH_COMPONENT.matcher(component).matches()) {
                String why = component.isEmpty() ? "an empty path component"
                        : !component.toLowerCase(Locale.ROOT).equals(component)
                                ? "upper-case letters (repository names are lower case)"
                        : "path component '" + component + "' is not lower-case letters and digits joined by"
                                + " '.', '_', '__' or '-'";
                throw invalid(text, "repository '" + repository + "' has " + why);
            }
        }
    }

    private static IllegalArgumentException invalid(String text, String why) {
        String shown = text.length() > 300 ? text.substring(0, 300) + "..." : text;
        return new IllegalArgumentException("invalid image reference '" + shown.replaceAll("[^\\x20-\\x7e]", "?")
                + "': " + why);
    }
}
