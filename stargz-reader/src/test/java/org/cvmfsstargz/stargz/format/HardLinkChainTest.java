package org.cvmfsstargz.stargz.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import org.cvmfsstargz.stargz.format.CorruptLayerException.Reason;
import org.junit.jupiter.api.Test;

/**
 * Hard links to hard links, at the scale a hostile TOC may reach: each chain is resolved once, so
 * a TOC of k links each to the previous one costs k steps, not k squared.
 */
class HardLinkChainTest {
    private static final int CHAIN = 200_000;

    @Test
    void aChainOfTwoHundredThousandLinksEachToThePreviousResolvesInSeconds() throws Exception {
        TestBlob.Built built = TestBlob.withToc(chain(CHAIN, false));

        long start = System.nanoTime();
        Toc toc = built.read(TocLimits.defaults(), Optional.empty());
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        TocEntry f = toc.lookup("f").orElseThrow();
        assertThat(toc.lookup("l" + (CHAIN - 1))).contains(f);
        assertThat(toc.lookup("l0")).contains(f);
        assertThat(f.linkCount()).isEqualTo(CHAIN + 1);
        // quadratic resolution takes 2e10 steps here, minutes; linear takes well under a second
        assertThat(took).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void aLongChainThatEndsInALoopIsStillACycle() throws Exception {
        TestBlob.Built built = TestBlob.withToc(chain(10_000, true));

        assertThatThrownBy(() -> built.read(TocLimits.defaults(), Optional.empty()))
                .isInstanceOfSatisfying(CorruptLayerException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.HARDLINK_CYCLE));
    }

    @Test
    void linksThatShareATailAllReachItsTargetAndTheLastHeaderInTocOrderWins() throws Exception {
        Toc toc = TocTrapsTest.read("""
                {'name':'f','type':'reg','size':10,'offset':50,'uid':1},
                {'name':'a','type':'hardlink','linkName':'f','uid':2},
                {'name':'b','type':'hardlink','linkName':'a','uid':3},
                {'name':'c','type':'hardlink','linkName':'a','uid':4},
                {'name':'d','type':'hardlink','linkName':'c','uid':5}
                """);
        TocEntry f = toc.lookup("f").orElseThrow();

        for (String link : new String[] {"a", "b", "c", "d"}) {
            assertThat(toc.lookup(link)).as(link).contains(f);
        }
        assertThat(f.linkCount()).isEqualTo(5);
        assertThat(f.uid()).isEqualTo(5);
    }

    @Test
    void aChainEndingAtADirectoryIsRefusedNamingTheFirstLinkInTocOrder() throws Exception {
        assertThatThrownBy(() -> TocTrapsTest.read("""
                {'name':'d','type':'dir'},
                {'name':'b','type':'hardlink','linkName':'a'},
                {'name':'a','type':'hardlink','linkName':'d'}
                """)).isInstanceOfSatisfying(CorruptLayerException.class, e -> {
                    assertThat(e.reason()).isEqualTo(Reason.CONFLICTING_ENTRY);
                    assertThat(e.entry()).contains("b");
                });
    }

    /** A file {@code f} and links {@code l0 -> f}, {@code l1 -> l0}, ...; with {@code loop}, l0 links to the last. */
    static String chain(int links, boolean loop) {
        StringBuilder json = new StringBuilder("{\"version\":1,\"entries\":[");
        json.append("{\"name\":\"f\",\"type\":\"reg\",\"size\":10,\"offset\":50}");
        for (int i = 0; i < links; i++) {
            String target = i == 0 ? (loop ? "l" + (links - 1) : "f") : "l" + (i - 1);
            json.append(",{\"name\":\"l").append(i).append("\",\"type\":\"hardlink\",\"linkName\":\"")
                    .append(target).append("\"}");
        }
        return json.append("]}").toString();
    }
}
