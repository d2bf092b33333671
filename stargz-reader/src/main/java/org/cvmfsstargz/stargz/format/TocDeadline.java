package org.cvmfsstargz.stargz.format;

import static org.cvmfsstargz.stargz.format.CorruptLayerException.Reason.TOC_TOO_SLOW;

import java.time.Duration;

/**
 * The time one TOC may take to be parsed and built into an index ({@link TocLimits#maxBuildTime()}).
 * The size limits bound memory, not time: a TOC within them can still be built to be slow (long
 * chains of hard links, adversarial names), so the build checks this at each step of its loops.
 * Reading the clock costs more than a step, so it is read every {@value #STEPS_PER_CHECK} steps.
 * Not thread-safe; one per TOC.
 */
final class TocDeadline {
    static final int STEPS_PER_CHECK = 1024;

    private final Duration budget;
    private final long start = System.nanoTime();
    private int steps;

    TocDeadline(Duration budget) {
        this.budget = budget;
    }

    /** Counts one step of work; past the deadline, refuses the layer. */
    void step() throws CorruptLayerException {
        if (++steps % STEPS_PER_CHECK == 0) {
            check();
        }
    }

    /** Refuses the layer if its deadline has passed. */
    void check() throws CorruptLayerException {
        long elapsed = System.nanoTime() - start;
        if (elapsed > budget.toNanos()) {
            throw new CorruptLayerException(TOC_TOO_SLOW, "building the TOC's index took longer than "
                    + budget.toMillis() + " ms (stopped after " + elapsed / 1_000_000 + " ms)");
        }
    }
}
