package org.cvmfsstargz.snapshotter.source;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a layer's fate is decided: the configured sources are asked in order, the first that
 * claims the layer provides it, and a layer nobody claims is left to containerd to download and
 * unpack. Logs one line per decision with its reason, and tells a {@link LayerDecisionListener}.
 * Thread-safe (sources and listener are).
 */
public final class LayerSourceChain {
    private static final Logger LOG = LoggerFactory.getLogger(LayerSourceChain.class);

    private final List<LayerSource> sources;
    private final LayerDecisionListener listener;

    public LayerSourceChain(List<LayerSource> sources) {
        this(sources, LayerDecisionListener.NONE);
    }

    /** Asks {@code sources} in order and tells {@code listener} of every decision. */
    public LayerSourceChain(List<LayerSource> sources, LayerDecisionListener listener) {
        this.sources = List.copyOf(sources);
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    public static LayerSourceChain none() {
        return new LayerSourceChain(List.of());
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /**
     * Hands every remote snapshot of an earlier run to the source that provided it, each source
     * once (with none if it has none). A snapshot of a source no longer configured is reported;
     * {@link #unavailable} then names it.
     */
    public void restore(List<RemoteSnapshot> snapshots) {
        for (RemoteSnapshot orphan : snapshots.stream().filter(s -> sourceOf(s).isEmpty()).toList()) {
            LOG.warn("remote snapshot cannot be restored name={} source={} reason=\"the source is not configured\"",
                    orphan.name(), orphan.source());
        }
        for (LayerSource source : sources) {
            List<RemoteSnapshot> mine = snapshots.stream().filter(s -> s.source().equals(source.name())).toList();
            try {
                source.restore(mine);
            } catch (RuntimeException e) {
                LOG.warn("restoring remote snapshots failed source={} count={} error=\"{}\"", source.name(),
                        mine.size(), e.toString());
            }
        }
    }

    /**
     * Why a snapshot stacked on {@code remoteAncestors} cannot be mounted now, if it cannot: the
     * first of them whose source says its content is not readable, or whose source is gone.
     */
    public Optional<String> unavailable(List<RemoteSnapshot> remoteAncestors) {
        for (RemoteSnapshot snapshot : remoteAncestors) {
            Optional<LayerSource> source = sourceOf(snapshot);
            if (source.isEmpty()) {
                return Optional.of("layer " + snapshot.name() + " was provided by " + snapshot.source()
                        + ", which is not configured now; enable it again, or remove and pull the image again");
            }
            if (!source.get().healthy(snapshot)) {
                return Optional.of("layer " + snapshot.name() + " provided by " + snapshot.source()
                        + " is not readable now (see the daemon's log)");
            }
        }
        return Optional.empty();
    }

    /** Tells the source of a removed remote snapshot to release its content. */
    public void release(RemoteSnapshot snapshot) {
        sourceOf(snapshot).ifPresent(source -> {
            try {
                source.release(snapshot);
            } catch (RuntimeException e) {
                LOG.warn("releasing a removed remote snapshot failed name={} source={} error=\"{}\"", snapshot.name(),
                        snapshot.source(), e.toString());
            }
        });
    }

    /** Closes every source, at daemon shutdown. */
    public void close() {
        for (LayerSource source : sources) {
            try {
                source.close();
            } catch (RuntimeException e) {
                LOG.warn("closing layer source {} failed: {}", source.name(), e.toString());
            }
        }
    }

    private Optional<LayerSource> sourceOf(RemoteSnapshot snapshot) {
        return sources.stream().filter(s -> s.name().equals(snapshot.source())).findFirst();
    }

    /**
     * Asks the sources in order; the first that claims the layer provides it. A layer nobody
     * claims is pulled, for the reasons {@link #pulled} gives.
     */
    public LayerClaim decide(LayerRequest request) {
        long started = System.nanoTime();
        List<Declined> declines = new ArrayList<>();
        for (LayerSource source : sources) {
            LayerClaim claim;
            try {
                claim = source.claim(request);
            } catch (Exception e) {
                claim = new LayerClaim.NotMine(source.name() + " failed: " + e, DeclineReason.ERROR);
            }
            switch (claim) {
                case LayerClaim.Remote remote -> {
                    LOG.info("layer decision target={} source={} key=\"{}\" ms={}", request.target(), remote.source(),
                            request.key(), (System.nanoTime() - started) / 1_000_000);
                    listener.provided(remote.source());
                    return remote;
                }
                case LayerClaim.NotMine notMine -> declines.add(new Declined(source.name(), notMine));
            }
        }
        LayerClaim.NotMine pulled = pulled(declines);
        LOG.info("layer decision target={} source=pull reason=\"{}\" ms={}", request.target(), pulled.reason(),
                (System.nanoTime() - started) / 1_000_000);
        listener.pulled(pulled.code());
        return pulled;
    }

    /** One source's refusal of a layer, as {@link #decide} collects them. */
    public record Declined(String source, LayerClaim.NotMine notMine) {
        public Declined {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(notMine, "notMine");
        }
    }

    /**
     * The decision when every source declined, in the order asked: every reason in words, and the
     * first source's (the preferred one's) code; {@link DeclineReason#NO_SOURCE} when none is
     * configured. Shared with {@code inspect}, which must tell the same story as the daemon.
     */
    public static LayerClaim.NotMine pulled(List<Declined> declines) {
        if (declines.isEmpty()) {
            return new LayerClaim.NotMine("no remote layer source configured", DeclineReason.NO_SOURCE);
        }
        List<String> reasons = declines.stream().map(d -> d.source() + ": " + d.notMine().reason()).toList();
        return new LayerClaim.NotMine(String.join("; ", reasons), declines.getFirst().notMine().code());
    }
}
