package org.cvmfsstargz.snapshotter.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LayerSourceChainTest {
    private static final LayerRequest REQUEST = new LayerRequest("sha256:chain", "key", "", Map.of(),
            Path.of("/nonexistent/snapshots/1"));

    /** What the chain told its listener, as "provided:<source>" or "pulled:<reason>". */
    private final List<String> told = new ArrayList<>();
    private final LayerDecisionListener listener = new LayerDecisionListener() {
        @Override
        public void provided(String source) {
            told.add("provided:" + source);
        }

        @Override
        public void pulled(DeclineReason reason) {
            told.add("pulled:" + reason);
        }
    };

    /** A source's answer, as a lambda. */
    @FunctionalInterface
    private interface Answer {
        LayerClaim claim(LayerRequest request) throws Exception;
    }

    private static LayerSource source(String name, Answer answer) {
        return new LayerSource() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public LayerClaim claim(LayerRequest request) throws Exception {
                return answer.claim(request);
            }
        };
    }

    private static LayerSource declining(String name, DeclineReason code) {
        return source(name, r -> new LayerClaim.NotMine("declined by " + name, code));
    }

    @Test
    void aClaimedLayerIsToldAsProvidedByItsSource() {
        LayerSourceChain chain = new LayerSourceChain(List.of(declining("a", DeclineReason.NOT_PUBLISHED),
                source("cvmfs", r -> new LayerClaim.Remote("cvmfs", Map.of()))), listener);

        assertThat(chain.decide(REQUEST)).isInstanceOf(LayerClaim.Remote.class);
        assertThat(told).containsExactly("provided:cvmfs");
    }

    @Test
    void aPulledLayerCarriesTheFirstSourcesReasonInCodeAndEveryReasonInWords() {
        LayerSourceChain chain = new LayerSourceChain(List.of(declining("cvmfs", DeclineReason.UNAVAILABLE),
                declining("estargz", DeclineReason.NOT_PUBLISHED)), listener);

        LayerClaim claim = chain.decide(REQUEST);

        assertThat(claim).isInstanceOfSatisfying(LayerClaim.NotMine.class, n -> {
            assertThat(n.code()).isEqualTo(DeclineReason.UNAVAILABLE);
            assertThat(n.reason()).isEqualTo("cvmfs: declined by cvmfs; estargz: declined by estargz");
        });
        assertThat(told).containsExactly("pulled:UNAVAILABLE");
    }

    @Test
    void aSourceThatThrowsCountsAsAnErrorAndTheNextSourceIsStillAsked() {
        LayerSourceChain chain = new LayerSourceChain(List.of(source("broken", r -> {
            throw new IllegalStateException("boom");
        }), source("cvmfs", r -> new LayerClaim.Remote("cvmfs", Map.of()))), listener);
        assertThat(chain.decide(REQUEST)).isInstanceOf(LayerClaim.Remote.class);

        LayerSourceChain alone = new LayerSourceChain(List.of(source("broken", r -> {
            throw new IllegalStateException("boom");
        })), listener);
        assertThat(alone.decide(REQUEST)).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> assertThat(n.reason()).contains("broken failed").contains("boom"));

        assertThat(told).containsExactly("provided:cvmfs", "pulled:ERROR");
    }

    @Test
    void withNoSourceEveryLayerIsPulledForNoSource() {
        LayerSourceChain chain = new LayerSourceChain(List.of(), listener);
        assertThat(chain.decide(REQUEST)).isInstanceOfSatisfying(LayerClaim.NotMine.class,
                n -> assertThat(n.code()).isEqualTo(DeclineReason.NO_SOURCE));
        assertThat(told).containsExactly("pulled:NO_SOURCE");
    }

    @Test
    void aRefusalWithoutACodeIsOther() {
        assertThat(new LayerClaim.NotMine("for a test").code()).isEqualTo(DeclineReason.OTHER);
    }
}
