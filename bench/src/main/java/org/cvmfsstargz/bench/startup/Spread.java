package org.cvmfsstargz.bench.startup;

import java.util.List;

/**
 * The median, smallest and largest of a few measurements (the start-ups of one variant). With an
 * even count the median is the mean of the middle two. Immutable.
 */
public record Spread(double median, double min, double max) {
    public Spread {
        if (!(min <= median && median <= max)) {
            throw new IllegalArgumentException("expected min <= median <= max, got " + min + ", " + median + ", " + max);
        }
    }

    public static Spread of(List<? extends Number> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.stream().mapToDouble(Number::doubleValue).sorted().toArray();
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Spread(median, sorted[0], sorted[n - 1]);
    }
}
