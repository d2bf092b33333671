package org.cvmfsstargz.bench.compare;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import org.cvmfsstargz.bench.startup.JsonObject;
import org.cvmfsstargz.bench.startup.Spread;

/**
 * The medians of one section's samples, per group (an image and link, a read pass) and variant,
 * and ratios of one variant's medians to another's ({@link Ratio}): above 1 means more time, CPU,
 * memory or bytes than the other. Printed as a table and given as JSON. Immutable.
 *
 * @param metrics  the figures, in column order
 * @param group    which group a sample belongs to
 * @param variant  which variant made it
 * @param <T>      the section's sample type
 */
record Summary<T>(List<Metric<T>> metrics, Function<T, String> group, Function<T, String> variant) {
    private static final int GROUP_WIDTH = 22;
    private static final int VARIANT_WIDTH = 20;

    /**
     * One figure of a sample.
     *
     * @param column  the table's column heading
     * @param json    the JSON field name
     * @param value   the figure, in the table's unit
     * @param decimals digits after the point in the table
     */
    record Metric<T>(String column, String json, ToDoubleFunction<T> value, int decimals) {}

    /** One ratio to give: {@code variant}'s medians over {@code baseline}'s. */
    record Ratio(String variant, String baseline) {
        String label() {
            return variant + "/" + baseline;
        }
    }

    Summary {
        metrics = List.copyOf(metrics);
    }

    /** Prints the medians (the first metric with its min and max) and the ratios, group by group. */
    void print(PrintStream out, List<T> samples, List<String> variants, List<Ratio> ratios) {
        StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-" + GROUP_WIDTH + "s %-" + VARIANT_WIDTH
                + "s", "medians", "variant"));
        for (Metric<T> m : metrics) {
            head.append(String.format(Locale.ROOT, " %" + width(m) + "s", m.column()));
        }
        out.println(head);
        for (String g : groups(samples)) {
            String groupLabel = g;
            for (String v : variants) {
                List<T> mine = of(samples, g, v);
                if (mine.isEmpty()) {
                    continue;
                }
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + GROUP_WIDTH + "s %-"
                        + VARIANT_WIDTH + "s", groupLabel, v));
                groupLabel = "";
                for (Metric<T> m : metrics) {
                    Spread s = Spread.of(mine.stream().map(t -> m.value().applyAsDouble(t)).toList());
                    String cell = format(s.median(), m.decimals());
                    if (m == metrics.getFirst() && mine.size() > 1) {
                        cell = format(s.min(), m.decimals()) + "<" + cell + "<" + format(s.max(), m.decimals());
                    }
                    row.append(String.format(Locale.ROOT, " %" + width(m) + "s", cell));
                }
                out.println(row);
            }
            for (Ratio ratio : ratios) {
                ratios(samples, g, ratio).ifPresent(r -> {
                    StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-" + GROUP_WIDTH + "s %-"
                            + VARIANT_WIDTH + "s", "", ratio.label()));
                    for (int i = 0; i < metrics.size(); i++) {
                        row.append(String.format(Locale.ROOT, " %" + width(metrics.get(i)) + "s",
                                r.get(i).map(x -> String.format(Locale.ROOT, "%.2fx", x)).orElse("-")));
                    }
                    out.println(row);
                });
            }
        }
    }

    /** {@code {"<group>": {"<variant>": {"<metric>": {median, min, max}}, "ratios": {"<v>/<baseline>": {...}}}}}. */
    JsonObject json(List<T> samples, List<String> variants, List<Ratio> ratioPairs) {
        JsonObject all = new JsonObject();
        for (String g : groups(samples)) {
            JsonObject group = new JsonObject();
            JsonObject ratios = new JsonObject();
            for (String v : variants) {
                List<T> mine = of(samples, g, v);
                if (mine.isEmpty()) {
                    continue;
                }
                JsonObject variant = new JsonObject();
                for (Metric<T> m : metrics) {
                    Spread s = Spread.of(mine.stream().map(t -> m.value().applyAsDouble(t)).toList());
                    variant.object(m.json(), new JsonObject().number("median", s.median()).number("min", s.min())
                            .number("max", s.max()));
                }
                group.object(v, variant);
            }
            for (Ratio pair : ratioPairs) {
                ratios(samples, g, pair).ifPresent(r -> {
                    JsonObject ratio = new JsonObject();
                    for (int i = 0; i < metrics.size(); i++) {
                        ratio.number(metrics.get(i).json(), r.get(i).orElse(Double.NaN));
                    }
                    ratios.object(pair.label(), ratio);
                });
            }
            all.object(g, group.object("ratios", ratios));
        }
        return all;
    }

    /** Each metric's median for the ratio's variant over its baseline's, in group {@code g}; empty without samples. */
    private Optional<List<Optional<Double>>> ratios(List<T> samples, String g, Ratio ratio) {
        List<T> mine = of(samples, g, ratio.variant());
        List<T> base = of(samples, g, ratio.baseline());
        if (ratio.variant().equals(ratio.baseline()) || mine.isEmpty() || base.isEmpty()) {
            return Optional.empty();
        }
        List<Optional<Double>> r = new ArrayList<>();
        for (Metric<T> m : metrics) {
            double a = Spread.of(mine.stream().map(t -> m.value().applyAsDouble(t)).toList()).median();
            double b = Spread.of(base.stream().map(t -> m.value().applyAsDouble(t)).toList()).median();
            r.add(b > 0 ? Optional.of(a / b) : Optional.empty());
        }
        return Optional.of(r);
    }

    private List<String> groups(List<T> samples) {
        Set<String> groups = new LinkedHashSet<>();
        samples.forEach(s -> groups.add(group.apply(s)));
        return List.copyOf(groups);
    }

    private List<T> of(List<T> samples, String g, String v) {
        return samples.stream().filter(s -> group.apply(s).equals(g) && variant.apply(s).equals(v)).toList();
    }

    /** The first column also holds the min and max. */
    private int width(Metric<T> m) {
        return Math.max(m.column().length(), m == metrics.getFirst() ? 20 : 13);
    }

    /** A figure with {@code decimals} digits after the point; whole numbers get thousands separators. */
    static String format(double value, int decimals) {
        return decimals == 0 ? String.format(Locale.ROOT, "%,.0f", value)
                : String.format(Locale.ROOT, "%." + decimals + "f", value);
    }
}
