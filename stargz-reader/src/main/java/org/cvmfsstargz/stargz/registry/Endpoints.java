package org.cvmfsstargz.stargz.registry;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tries a request at an image's mirrors in order, then at its registry, as containerd's
 * {@code hosts.toml} resolution does: a mirror that fails (no connection, 5xx, 404, refused
 * credentials, bad content) hands the request to the next endpoint; the registry's own answer is
 * final. Failures that describe the request rather than the mirror (another 4xx, an unsupported
 * document) end the call at once, since the registry would say the same.
 *
 * <p>Thread-safe.
 */
final class Endpoints {
    private static final Logger LOG = LoggerFactory.getLogger(Endpoints.class);
    /** A failing mirror warns at most this often; every try is logged at debug. */
    private static final Duration WARN_EVERY = Duration.ofMinutes(1);

    /** A request at one endpoint. */
    @FunctionalInterface
    interface Attempt<T> {
        T at(Endpoint endpoint) throws RegistryException;
    }

    private final RegistryOptions options;
    private final HostPolicy policy;
    private final InstantSource clock;
    private final Map<String, Instant> lastWarned = new ConcurrentHashMap<>();

    Endpoints(RegistryOptions options, HostPolicy policy, InstantSource clock) {
        this.options = options;
        this.policy = policy;
        this.clock = clock;
    }

    /** The endpoints for {@code reference}: its mirrors in order, then its registry. */
    List<Endpoint> of(ImageReference reference) {
        List<Endpoint> all = new ArrayList<>();
        options.mirrorsOf(reference.registry()).forEach(m -> all.add(Endpoint.mirror(m, reference)));
        all.add(Endpoint.upstream(reference, policy));
        return all;
    }

    /** The result of {@code attempt} at the first endpoint of {@code reference} where it succeeds. */
    <T> T first(ImageReference reference, String what, Attempt<T> attempt) throws RegistryException {
        List<Endpoint> all = of(reference);
        for (Endpoint mirror : all.subList(0, all.size() - 1)) {
            try {
                return attempt.at(mirror);
            } catch (RegistryException e) {
                if (!mirrorFailure(e)) {
                    throw e;
                }
                logFailure(mirror, what, e);
            }
        }
        return attempt.at(all.getLast());
    }

    /** True if {@code e} says the mirror cannot serve, rather than that the request is wrong. */
    static boolean mirrorFailure(RegistryException e) {
        return switch (e.kind()) {
            case CLIENT_ERROR, UNSUPPORTED -> false;
            // 501 answers a feature of the request (a multi-range GET), not the mirror's health.
            case SERVER_ERROR -> e.status().orElse(0) != 501;
            default -> true;
        };
    }

    private void logFailure(Endpoint mirror, String what, RegistryException e) {
        Instant now = clock.instant();
        boolean[] warn = {false};
        lastWarned.compute(mirror.authority(), (k, last) -> {
            warn[0] = last == null || !now.isBefore(last.plus(WARN_EVERY));
            return warn[0] ? now : last;
        });
        if (warn[0]) {
            LOG.warn("mirror failed, trying the next endpoint (warned at most once a minute per mirror)"
                    + " mirror={} kind={} error={}", mirror.apiRoot(), e.kind(), e.getMessage());
        } else {
            LOG.debug("mirror failed, trying the next endpoint mirror={} what={} kind={}", mirror.apiRoot(), what,
                    e.kind());
        }
    }
}
