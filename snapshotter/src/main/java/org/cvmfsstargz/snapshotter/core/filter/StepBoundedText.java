package org.cvmfsstargz.snapshotter.core.filter;

/**
 * A field's text as a regular expression search reads it, one step per character read, within a
 * bound. {@link java.util.regex.Pattern} backtracks: it memoizes some patterns ({@code (a+)+$}),
 * but {@code (.*a){12}b} on a 4 KiB label would take about n^12 steps, and any client that may
 * List could send it. Every
 * step of the engine reads a character through {@link #charAt}, so counting those bounds the
 * search. Not thread-safe: one per search.
 */
final class StepBoundedText implements CharSequence {
    /**
     * Enough for a search of quadratic cost on the longest label containerd allows (4 KiB: about
     * 8 million steps for {@code [a-z]+x}); a fraction of a second at worst.
     */
    static final long MAX_STEPS = 20_000_000;

    /** Thrown when a search passes its bound. */
    static final class TooManySteps extends RuntimeException {
        private static final long serialVersionUID = 1L;

        TooManySteps() {
            super(null, null, false, false);
        }
    }

    private final String text;
    private final long[] steps;
    private final int start;
    private final int end;

    StepBoundedText(String text) {
        this(text, new long[1], 0, text.length());
    }

    private StepBoundedText(String text, long[] steps, int start, int end) {
        this.text = text;
        this.steps = steps;
        this.start = start;
        this.end = end;
    }

    @Override
    public char charAt(int index) {
        if (++steps[0] > MAX_STEPS) {
            throw new TooManySteps();
        }
        return text.charAt(start + index);
    }

    @Override
    public int length() {
        return end - start;
    }

    /** Shares the step count: a search that slices its text is still one search. */
    @Override
    public CharSequence subSequence(int from, int to) {
        if (from < 0 || to > length() || from > to) {
            throw new IndexOutOfBoundsException("subSequence(" + from + ", " + to + ") of " + length());
        }
        return new StepBoundedText(text, steps, start + from, start + to);
    }

    @Override
    public String toString() {
        return text.substring(start, end);
    }
}
